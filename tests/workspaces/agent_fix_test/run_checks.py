"""The project's test command: pytest without third-party plugins (fast and predictable)."""

import os
import sys

os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"

import pytest

sys.exit(pytest.main(["-q"]))
