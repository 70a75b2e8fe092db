from dataclasses import dataclass

from tools import find_symbol
from tools.tool import ToolEnv


async def test_definitions_and_references_from_tag_queries(env: ToolEnv) -> None:
    result = await find_symbol.TOOL.call({"name": "greet"}, env)
    text = result.text
    assert "definitions of greet (1):\nsrc/app.py:1: function" in text
    refs = text.split("references of greet")[1]
    assert "src/app.py:5" in refs and "src/util.py:3" in refs


async def test_kind_filter_and_unknown_name(env: ToolEnv) -> None:
    only_defs = await find_symbol.TOOL.call({"name": "greet", "kind": "definitions"}, env)
    assert "references" not in only_defs.text
    none = await find_symbol.TOOL.call({"name": "nothing_here"}, env)
    assert "definitions of nothing_here (0):\n(none)" in none.text


@dataclass(frozen=True)
class FakeTag:
    path: str
    name: str
    role: str
    kind: str
    line: int
    signature: str = ""
    scope: str | None = None


class Index:
    def definitions(self, name: str) -> list[FakeTag]:
        return [FakeTag("b.py", name, "def", "class", 9, f"class {name}:"), FakeTag("a.py", name, "def", "class", 0)]

    def references(self, name: str) -> list[FakeTag]:
        return []


async def test_uses_the_symbol_index_when_there_is_one(env: ToolEnv) -> None:
    env.symbols = Index()
    result = await find_symbol.TOOL.call({"name": "Thing", "kind": "definitions"}, env)
    assert result.text.splitlines()[1:] == ["a.py:1: class", "b.py:10: class: class Thing:"]


async def test_repo_map_and_scan_agree(env: ToolEnv) -> None:
    from context.repomap.index import RepoMap

    scanned = await find_symbol.TOOL.call({"name": "greet"}, env)
    repo_map = RepoMap(env.workspace.roots[0], None)
    await repo_map.index()
    env.symbols = repo_map
    indexed = await find_symbol.TOOL.call({"name": "greet"}, env)
    assert indexed.text == scanned.text
    assert "src/util.py:3" in indexed.text
