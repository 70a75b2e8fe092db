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


async def test_a_missing_name_gets_the_closest_definitions_from_the_index(env: ToolEnv) -> None:
    from context.repomap.index import RepoMap

    root = env.workspace.roots[0]
    (root / "src" / "billing.py").write_text("def compute_invoice_total(lines):\n    return sum(lines)\n")
    repo_map = RepoMap(root, None)
    await repo_map.index()
    repo_map.update_file("src/draft.py", "def invoice_draft_total(x):\n    return x\n")  # an unsaved buffer
    await repo_map.parse_remaining()
    env.symbols = repo_map
    result = await find_symbol.TOOL.call({"name": "invoice_total"}, env)
    assert "definitions of invoice_total (0):\n(none)" in result.text
    closest = result.text.split("closest definitions by name (BM25 over the index):\n")[1].splitlines()
    assert {closest[0], closest[1]} == {
        "src/billing.py:1: function compute_invoice_total",
        "src/draft.py:1: function invoice_draft_total",
    }
