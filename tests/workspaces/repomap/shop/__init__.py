"""A tiny shop: the repo map fixture's Python package."""
