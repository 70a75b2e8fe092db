from server.models.budget import Budget, Limits


def budget(steps: int = 20, cost: float = 10.0, seconds: float = 600.0, clock: object = None) -> Budget:
    limits = Limits(
        max_steps=steps, max_input_tokens=10**9, max_output_tokens=10**9, max_cost_usd=cost, max_seconds=seconds
    )
    return Budget(limits) if clock is None else Budget(limits, clock=clock)  # type: ignore[arg-type]
