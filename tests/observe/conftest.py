from tests.emulator.fixtures import emulator, emulator_env, emulator_process  # noqa: F401
