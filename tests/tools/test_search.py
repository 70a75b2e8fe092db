import time

import pytest

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


async def test_open_buffers_and_proposals_are_searched(env: ToolEnv) -> None:
    from tools import propose_edit
    from tools.tool import OpenDocument

    readme = env.workspace.roots[0] / "README.md"
    env.overlay = lambda p: OpenDocument("# unsaved heading\n", 3) if p == readme else None
    await propose_edit.TOOL.call({"path": "src/util.py", "new_content": "PROPOSED = 1\n"}, env)
    result = await search.TOOL.call({"pattern": "unsaved|PROPOSED|VALUE"}, env)
    assert result.text.splitlines() == ["README.md:1: # unsaved heading", "src/util.py:1: PROPOSED = 1"]


async def test_runaway_pattern_is_stopped(env: ToolEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    (env.workspace.roots[0] / "big.txt").write_text("a" * 4000 + "!\n")
    monkeypatch.setattr(search, "SEARCH_TIMEOUT_S", 1.0)
    started = time.monotonic()
    result = await search.TOOL.call({"pattern": "(a+)+$"}, env)
    assert result.is_error and "took longer than 1 s" in result.text
    assert time.monotonic() - started < 5


async def test_files_are_searched_most_relevant_first_with_the_index(env: ToolEnv) -> None:
    from context.repomap.index import RepoMap

    root = env.workspace.roots[0]
    (root / "src" / "a_notes.py").write_text("# the shipping rate is computed elsewhere\nX = 1\n")
    (root / "src" / "z_shipping.py").write_text("def shipping_rate(weight):\n    return weight * 2  # shipping rate\n")
    plain = await search.TOOL.call({"pattern": "shipping.rate"}, env)
    assert plain.text.splitlines()[0].startswith("src/a_notes.py:1:")  # by path without an index
    repo_map = RepoMap(root, None)
    await repo_map.index()
    await repo_map.parse_remaining()
    env.symbols = repo_map
    ranked = await search.TOOL.call({"pattern": "shipping.rate"}, env)
    assert ranked.text.splitlines()[0].startswith("src/z_shipping.py:1:")  # the file that defines it
    assert sorted(ranked.text.splitlines()) == sorted(plain.text.splitlines())
