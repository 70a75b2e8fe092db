"""Small statistics helpers (fixture for the Neovim inline-completion test)."""


def mean(values):


def spread(values):
    return max(values) - min(values)
