"""Fixtures for the completion tests: the wire emulator (for confidence from real streams)."""

from tests.emulator.fixtures import emulator  # noqa: F401
