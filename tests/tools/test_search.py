from tools import search
from tools.tool import ToolEnv


async def test_regex_matches_with_locations(env: ToolEnv) -> None:
    result = await search.TOOL.call({"pattern": r"greet\("}, env)
    assert result.text.splitlines() == [
        "src/app.py:1: def greet(name):",
        "src/app.py:5: print(greet('x'))",
        "src/util.py:3: VALUE = greet('y')",
    ]


async def test_ignored_and_secret_files_are_not_searched(env: ToolEnv) -> None:
    assert "no matches" in (await search.TOOL.call({"pattern": "generated|ANTHROPIC"}, env)).text


async def test_case_and_glob(env: ToolEnv) -> None:
    result = await search.TOOL.call({"pattern": "DEMO", "case_sensitive": False, "glob": "*.md"}, env)
    assert result.text == "README.md:1: # demo"


async def test_bad_regex_is_an_argument_error(env: ToolEnv) -> None:
    result = await search.TOOL.call({"pattern": "("}, env)
    assert result.is_error and result.invalid_arguments
