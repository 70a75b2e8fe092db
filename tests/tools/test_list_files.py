from tools import list_files
from tools.tool import ToolEnv


async def test_lists_without_ignored_or_secret_files(env: ToolEnv) -> None:
    result = await list_files.TOOL.call({}, env)
    assert result.text.splitlines() == [".gitignore", "README.md", "src/app.py", "src/util.py"]


async def test_glob_and_folder(env: ToolEnv) -> None:
    assert (await list_files.TOOL.call({"glob": "*.py"}, env)).text.splitlines() == ["src/app.py", "src/util.py"]
    assert (await list_files.TOOL.call({"path": "src", "glob": "u*"}, env)).text == "src/util.py"


async def test_outside_folder_is_refused(env: ToolEnv) -> None:
    assert (await list_files.TOOL.call({"path": "/etc"}, env)).is_error
    assert (await list_files.TOOL.call({"path": ".git"}, env)).is_error
