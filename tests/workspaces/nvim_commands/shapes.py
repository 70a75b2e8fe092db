"""Geometry helpers (fixture for the Neovim command tests)."""


def area(width, height):
    return width * height


def label(width, height):
    return f"{width}×{height} 📐 {area(width, height)}"
