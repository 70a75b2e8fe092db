from pathlib import Path

from tools.proposals import MANY_FILES, EditProposals, Proposal, confirmation_reason, text_hash
from tools.sandbox import WorkspacePath


def target(rel: str) -> WorkspacePath:
    return WorkspacePath(Path("/w"), Path("/w") / rel, rel)


def test_first_proposal_fixes_the_base() -> None:
    proposals = EditProposals()
    proposals.propose(target("a.py"), "v1\n", 3, "v2\n")
    proposals.propose(target("a.py"), "ignored\n", 9, "v3\n")
    [p] = proposals.items()
    assert (p.base_text, p.base_version, p.new_text) == ("v1\n", 3, "v3\n")
    assert p.base_hash == text_hash("v1\n") != text_hash("v3\n")


def test_items_are_sorted() -> None:
    proposals = EditProposals()
    for rel in ["z.py", "a.py", "m/b.py"]:
        proposals.propose(target(rel), None, None, "x\n")
    assert [p.target.rel for p in proposals.items()] == ["a.py", "m/b.py", "z.py"]


def test_confirmation_policy() -> None:
    ordinary = Proposal(target("src/a.py"), "a\n", None, "b\n")
    assert confirmation_reason(ordinary, 1) is None
    assert "configuration" in (confirmation_reason(Proposal(target("outrider.toml"), None, None, "x"), 1) or "")
    pyproject = Proposal(target("pyproject.toml"), "[tool.outrider]\nmodel='x'\n", None, "[tool.outrider]\n")
    assert "configuration" in (confirmation_reason(pyproject, 1) or "")
    plain_pyproject = Proposal(target("pyproject.toml"), "[project]\n", None, "[project]\nname='x'\n")
    assert confirmation_reason(plain_pyproject, 1) is None
    assert "deletes" in (confirmation_reason(Proposal(target("a.py"), "a\n", None, None), 1) or "")
    assert "files" in (confirmation_reason(ordinary, MANY_FILES + 1) or "")
    assert confirmation_reason(ordinary, MANY_FILES) is None
