from tests.emulator.fixtures import emulator  # noqa: F401
from tests.lsp.conftest import lsp_env, start_client  # noqa: F401
from tests.terminal.conftest import cli_env, work  # noqa: F401
