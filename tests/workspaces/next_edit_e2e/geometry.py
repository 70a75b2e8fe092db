"""Geometry helpers (fixture for the Neovim next-edit test)."""


def area(width, height):
    result = width * height
    return result
