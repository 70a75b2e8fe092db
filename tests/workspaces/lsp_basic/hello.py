"""A small module for LSP tests."""


def greet(name: str) -> str:
    return f"Hello, {name}!"


class Greeter:
    def __init__(self, greeting: str = "Hello") -> None:
        self.greeting = greeting

    def greet(self, name: str) -> str:
        return f"{self.greeting}, {name}!"
