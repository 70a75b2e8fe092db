"""One settings model, filled from every source in ARCHITECTURE.md, lowest to highest:

defaults < ``~/.config/outrider/config.toml`` < workspace (``[tool.outrider]`` in ``pyproject.toml``
or ``outrider.toml``) < environment < LSP (``initializationOptions``, ``workspace/configuration``)
< command-line flags.

Invalid values never crash anything: the offending keys fall back to the value from the layers
below, and each problem becomes one readable message for the user.

Security: a workspace is untrusted input (anyone can commit an ``outrider.toml``). Keys that could
send your API key elsewhere, run programs, widen what tests see or change what a run costs
(``TRUSTED_ONLY``: ``base_url``, ``prices``, ``agent.test_commands``, ...) are ignored when they come
from the workspace, with a message saying so; limits (every ``max_*`` setting) may only be lowered
there. An invalid limit from any source is listed in ``LoadedSettings.invalid_limits``: an agent run
must not start on a budget the user did not set (:meth:`LoadedSettings.limits_refusal`).
"""

from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

ProviderName = Literal["anthropic", "openai", "openai-compatible", "replay"]

DEFAULT_MODELS: dict[str, str] = {
    "anthropic": "claude-sonnet-4-6",
    "openai": "gpt-5.4",
    "openai-compatible": "qwen2.5-coder:7b",
    "replay": "replay",
}


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ModelPrice(_Section):
    """US dollars per million tokens."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_read: float | None = Field(default=None, ge=0)
    cache_write: float | None = Field(default=None, ge=0)


class ProviderRef(_Section):
    """One link of the fallback chain."""

    provider: ProviderName
    model: str | None = None
    base_url: str | None = None


class TimeoutSettings(_Section):
    connect_s: float = Field(default=5.0, gt=0, description="Seconds to open the connection.")
    first_token_s: float = Field(default=30.0, gt=0, description="Seconds to the first streamed event.")
    total_s: float = Field(default=300.0, gt=0, description="Seconds for a whole model call.")


class RetrySettings(_Section):
    max_retries: int = Field(default=3, ge=0, le=10, description="Retries of a failed model call (429, 5xx).")
    backoff_base_s: float = Field(default=0.5, ge=0, description="First retry delay in seconds; doubles per retry.")
    backoff_max_s: float = Field(default=20.0, ge=0, description="Longest delay between retries, in seconds.")
    breaker_failures: int = Field(default=5, ge=1, description="Failures in a row that open the breaker.")
    breaker_cooldown_s: float = Field(default=30.0, ge=0, description="Seconds before a half-open try.")


class CompletionSettings(_Section):
    enabled: bool = Field(default=True, description="Offer inline completions.")
    debounce_ms: int = Field(default=75, ge=0, le=2000, description="Milliseconds to wait after typing.")
    context_tokens: int = Field(default=2048, ge=64, description="Token budget for the prompt context.")
    max_tokens: int = Field(default=128, ge=1, le=4096, description="Most tokens one suggestion may use.")
    model: str | None = Field(default=None, description="Model for completions; default: `model`.")
    fim: bool | None = Field(default=None, description="Use fill-in-the-middle; default: by model.")
    logprobs: bool = Field(
        default=True, description="Ask OpenAI-compatible servers for token log-probabilities (for confidence)."
    )
    min_confidence: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Suggestions below this confidence (0-1) are not shown; 0 shows all (see bench/README.md).",
    )


class NextEditSettings(_Section):
    enabled: bool = Field(default=True, description="Offer next-edit suggestions (`textDocument/copilotInlineEdit`).")
    debounce_ms: int = Field(default=150, ge=0, le=5000, description="Milliseconds to wait after the last edit.")
    context_tokens: int = Field(default=1536, ge=64, description="Token budget for the context around the region.")
    max_tokens: int = Field(default=1024, ge=16, le=8192, description="Most tokens the rewritten region may use.")
    model: str | None = Field(default=None, description="Model for next edits; default: `completion.model`, `model`.")
    format: Literal["auto", "chat", "editable_region"] = Field(
        default="auto",
        description="Prompt format; `auto`: the editable-region format for next-edit models (e.g. Zeta), else chat.",
    )
    region_lines: int = Field(default=40, ge=4, le=400, description="Most lines of the region the model may rewrite.")
    max_edit_lines: int = Field(default=20, ge=1, description="Larger predicted edits (changed lines) are dropped.")
    history_edits: int = Field(default=8, ge=1, le=100, description="Recent edits kept per document.")
    history_bytes: int = Field(default=4096, ge=256, description="Most bytes of diff text kept per document.")


class AgentSettings(_Section):
    max_steps: int = Field(default=25, ge=1, description="Most model turns one agent task may take.")
    max_cost_usd: float = Field(default=1.0, ge=0, description="Most US dollars one agent task may spend.")
    max_seconds: float = Field(default=600.0, gt=0, description="Wall-clock seconds one agent task may run.")
    map_tokens: int = Field(
        default=1024, ge=0, description="Token budget of the repository map in the agent's first request (0: none)."
    )
    max_input_tokens: int = Field(default=2_000_000, ge=1, description="Most input tokens one agent task may send.")
    max_output_tokens: int = Field(default=200_000, ge=1, description="Most output tokens one agent task may use.")
    test_commands: list[list[str]] = Field(
        default_factory=list,
        description='Commands `run_tests` may run, each an argv list such as ["pytest", "-q"].',
    )
    test_timeout_s: float = Field(default=300.0, gt=0, description="Seconds one `run_tests` command may run.")
    test_env: list[str] = Field(
        default_factory=list,
        description="More environment variable names test commands get (PATH, HOME, the locale, the venv always).",
    )
    sandbox: bool = Field(
        default=True,
        description="Run tests on proposed code in an OS sandbox (bubblewrap) where available; else ask first.",
    )


class ContextSettings(_Section):
    max_file_bytes: int = Field(default=1_000_000, ge=1024, description="Larger files are skipped.")
    extra_ignore: list[str] = Field(default_factory=list, description="More gitignore-style patterns.")


class FeatureCaps(_Section):
    """Caps for one feature (``completion``, ``agent``, ``next_edit``, ...)."""

    daily_usd: float | None = Field(default=None, ge=0, description="Most US dollars per local day.")
    monthly_usd: float | None = Field(default=None, ge=0, description="Most US dollars per calendar month.")
    requests_per_minute: int | None = Field(default=None, ge=0, description="Most model calls per minute.")


class CapSettings(_Section):
    """Spend caps over time, shared by every Outrider process of the user (user-level only)."""

    daily_usd: float | None = Field(default=None, ge=0, description="Most US dollars per local day, all features.")
    monthly_usd: float | None = Field(
        default=None, ge=0, description="Most US dollars per calendar month, all features."
    )
    features: dict[str, FeatureCaps] = Field(
        default_factory=dict, description="Caps per feature, e.g. `completion = {requests_per_minute = 60}`."
    )
    alert_rate_factor: float = Field(
        default=4.0,
        ge=1,
        description="Alert when the last hour's spend is this many times the usual hourly rate.",
    )


class TraceSettings(_Section):
    enabled: bool = Field(default=True, description="Record every model call in the local trace database.")
    store_content: bool = Field(default=False, description="Keep prompt and output text in traces.")
    otlp_endpoint: str | None = Field(default=None, description="OTLP/HTTP endpoint; unset: no export.")


class McpServer(_Section):
    """One MCP server: a program started over stdio, or a streamable HTTP endpoint (`url`)."""

    command: str | None = Field(default=None, description="Program to start (stdio transport).")
    args: list[str] = Field(default_factory=list, description="Its arguments.")
    env: dict[str, str] = Field(default_factory=dict, description="Extra environment variables for it.")
    url: str | None = Field(default=None, description="Streamable HTTP endpoint instead of a program.")

    @model_validator(mode="after")
    def _one_transport(self) -> McpServer:
        if (self.command is None) == (self.url is None):
            raise ValueError("give either `command` (stdio) or `url` (streamable HTTP)")
        return self


class McpSettings(_Section):
    servers: dict[str, McpServer] = Field(
        default_factory=dict,
        description="MCP servers whose tools the agent may use (name -> server); user settings only.",
    )
    start_timeout_s: float = Field(default=20.0, gt=0, description="Seconds a server may take to start and list.")
    call_timeout_s: float = Field(default=60.0, gt=0, description="Seconds one MCP tool call may take.")
    max_result_chars: int = Field(default=20_000, ge=256, description="Longest MCP tool result the model sees.")


class Settings(_Section):
    provider: ProviderName = Field(default="anthropic", description="Model provider; `replay` plays a session.")
    model: str | None = Field(default=None, description="Model name; default depends on the provider.")
    base_url: str | None = Field(default=None, description="Endpoint for the provider (proxies, local servers).")
    fallback: list[ProviderRef] = Field(default_factory=list, description="Providers to try in order.")
    replay_session: str | None = Field(default=None, description="Session file for the replay provider.")
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info", description="Server log level.")
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    completion: CompletionSettings = Field(default_factory=CompletionSettings)
    next_edit: NextEditSettings = Field(default_factory=NextEditSettings)
    agent: AgentSettings = Field(default_factory=AgentSettings)
    context: ContextSettings = Field(default_factory=ContextSettings)
    traces: TraceSettings = Field(default_factory=TraceSettings)
    caps: CapSettings = Field(default_factory=CapSettings)
    mcp: McpSettings = Field(default_factory=McpSettings)
    prices: dict[str, ModelPrice] = Field(
        default_factory=dict, description="Per-model prices (USD per million tokens), over the defaults."
    )

    def resolved_model(self) -> str:
        return self.model or DEFAULT_MODELS[self.provider]


# Keys a workspace file may not set: they could redirect credentials or run programs.
TRUSTED_ONLY: frozenset[tuple[str, ...]] = frozenset(
    {
        ("base_url",),
        ("fallback",),
        ("provider",),
        ("agent", "test_commands"),
        ("agent", "test_env"),
        ("agent", "sandbox"),
        ("traces", "otlp_endpoint"),
        ("prices",),
        # the user's own spending limits: a repository neither sets nor lifts them
        ("caps", "daily_usd"),
        ("caps", "monthly_usd"),
        ("caps", "features"),
        ("caps", "alert_rate_factor"),
        ("mcp", "servers"),
    }
)

ENV_KEYS: dict[str, tuple[str, ...]] = {
    "OUTRIDER_PROVIDER": ("provider",),
    "OUTRIDER_MODEL": ("model",),
    "OUTRIDER_BASE_URL": ("base_url",),
    "OUTRIDER_REPLAY_SESSION": ("replay_session",),
    "OUTRIDER_LOG_LEVEL": ("log_level",),
}


@dataclass
class LoadedSettings:
    settings: Settings
    problems: list[str] = field(default_factory=list)
    invalid_limits: list[str] = field(default_factory=list)  # `agent.max_steps`...: a run must not start

    def limits_refusal(self) -> str | None:
        """Why an agent run must not start: a budget the user set is invalid (running with another
        value would spend what the user did not allow)."""
        if not self.invalid_limits:
            return None
        keys = ", ".join(sorted(set(self.invalid_limits)))
        return f"invalid budget setting {keys}: fix it (see the messages above); the run was not started"


@dataclass(frozen=True)
class Layer:
    """One source of settings, as a nested dict, with a name used in messages."""

    name: str
    values: Mapping[str, Any]
    trusted: bool = True


def user_config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "outrider" / "config.toml"


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where traces, caches and the cost ledger live. Not created here (no I/O at import or lookup)."""
    env = os.environ if env is None else env
    if home := env.get("OUTRIDER_HOME"):
        return Path(home)
    import platformdirs

    return Path(platformdirs.user_state_dir("outrider", appauthor=False))


def _read_toml(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def file_layers(workspace: Path | None, env: Mapping[str, str] | None = None) -> tuple[list[Layer], list[str]]:
    """The user file and the workspace file, as layers; unreadable files become problems."""
    layers: list[Layer] = []
    problems: list[str] = []
    candidates: list[tuple[str, Path, bool, tuple[str, ...]]] = [("user config", user_config_path(env), True, ())]
    if workspace is not None:
        candidates.append(("pyproject.toml [tool.outrider]", workspace / "pyproject.toml", False, ("tool", "outrider")))
        candidates.append(("outrider.toml", workspace / "outrider.toml", False, ()))
    for name, path, trusted, key_path in candidates:
        if not path.is_file():
            continue
        try:
            data: Any = _read_toml(path)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"{path}: cannot read settings ({exc}); ignored")
            continue
        for key in key_path:
            data = data.get(key, {}) if isinstance(data, dict) else {}
        if data:
            layers.append(Layer(name, data, trusted))
    return layers, problems


def env_layer(env: Mapping[str, str] | None = None) -> Layer:
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for var, path in ENV_KEYS.items():
        if value := env.get(var):
            _set_path(values, path, value)
    return Layer("environment", values)


def _set_path(target: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value


def merge_settings(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """`over` laid on `base`, tables merged key by key (neither argument is modified)."""
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_settings(out[key], value)
        else:
            out[key] = value
    return out


def _drop_untrusted(values: Mapping[str, Any], layer: str, problems: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(dict(values))
    for path in sorted(TRUSTED_ONLY):
        node: Any = out
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict) and path[-1] in node:
            del node[path[-1]]
            problems.append(
                f"{layer}: '{'.'.join(path)}' can only be set in your user config, the environment, "
                "the editor or the command line; ignored"
            )
    return out


def _remove_loc(values: dict[str, Any], loc: tuple[int | str, ...]) -> bool:
    node: Any = values
    for key in loc[:-1]:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and key < len(node):
            node = node[key]
        else:
            return False
    last = loc[-1] if loc else None
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    return False


def _is_limit(path: tuple[int | str, ...]) -> bool:
    """Budgets and caps: every setting named ``max_*`` (at any depth)."""
    return bool(path) and isinstance(path[-1], str) and path[-1].startswith("max_")


def _drop_loosening(values: dict[str, Any], base: Mapping[str, Any], layer: str, problems: list[str]) -> None:
    """A workspace file may lower limits, never raise them above the layers below (or the default)."""
    current = Settings.model_validate(base).model_dump()
    for section, table in sorted(values.items()):
        if not isinstance(table, dict) or not isinstance(current.get(section), dict):
            continue
        for key in sorted(k for k in table if _is_limit((section, k))):
            below, asked = current[section].get(key), table[key]
            numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (below, asked))
            if numbers and asked > below:
                del table[key]
                problems.append(
                    f"{layer}: '{section}.{key}' can only be lowered by a workspace file "
                    f"(from {below:g} here), not raised to {asked:g}; ignored"
                )


def _validate_layer(
    base: dict[str, Any], layer: Layer, problems: list[str], invalid_limits: list[str] | None = None
) -> dict[str, Any]:
    """Merge one layer over `base`, keeping only the keys that validate (invalid budget keys are
    also listed in `invalid_limits`)."""
    # Work on a deep copy: invalid keys are deleted from it, never from the caller's data.
    values = copy.deepcopy(dict(layer.values)) if layer.trusted else _drop_untrusted(layer.values, layer.name, problems)
    if not layer.trusted:
        _drop_loosening(values, base, layer.name, problems)
    for _ in range(50):
        merged = merge_settings(base, values)
        try:
            Settings.model_validate(merged)
            return merged
        except ValidationError as exc:
            removed = False
            for err in exc.errors():
                loc = tuple(err["loc"])
                where = ".".join(str(p) for p in loc) or "(root)"
                problems.append(f"{layer.name}: invalid setting '{where}': {err['msg']}; using the default")
                if invalid_limits is not None and _is_limit(loc):
                    invalid_limits.append(where)
                # Drop the top-most key of this layer that contains the error.
                for cut in range(len(loc), 0, -1):
                    if _remove_loc(values, loc[:cut]):
                        removed = True
                        break
            if not removed:
                problems.append(f"{layer.name}: settings ignored")
                return base
    return base


def build_settings(layers: list[Layer]) -> LoadedSettings:
    """Validate the layers in order (lowest first); never raises for bad input."""
    problems: list[str] = []
    invalid_limits: list[str] = []
    merged: dict[str, Any] = {}
    for layer in layers:
        if not isinstance(layer.values, Mapping):
            problems.append(f"{layer.name}: expected a table of settings; ignored")
            continue
        merged = _validate_layer(merged, layer, problems, invalid_limits)
    return LoadedSettings(Settings.model_validate(merged), problems, invalid_limits)


def load_settings(
    workspace: Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
    editor: Mapping[str, Any] | None = None,
    cli: Mapping[str, Any] | None = None,
) -> LoadedSettings:
    """All sources in order. `editor` is LSP initializationOptions merged with workspace/configuration."""
    layers, problems = file_layers(workspace, env)
    layers.append(env_layer(env))
    if editor:
        layers.append(Layer("editor settings", editor))
    if cli:
        layers.append(Layer("command line", cli))
    loaded = build_settings(layers)
    loaded.problems[:0] = problems
    return loaded
