"""Helpers that shadow builtins on purpose."""


def open(path: str, mode: str = "r") -> str:
    """Open an order file (not the builtin)."""
    return path
