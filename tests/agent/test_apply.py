from pathlib import Path

from server.agent.apply import apply_plan_to_disk
from server.agent.plan import plan_from_proposals
from tools.proposals import EditProposals
from tools.sandbox import Workspace, WorkspacePath


def proposals_for(root: Path, changes: dict[str, tuple[str | None, str | None]]) -> EditProposals:
    ws = Workspace([root])
    proposals = EditProposals()
    for rel, (old, new) in changes.items():
        target = ws.resolve(rel)
        assert isinstance(target, WorkspacePath)
        proposals.propose(target, old, None, new)
    return proposals


def test_applies_writes_creates_and_refuses_changed_files(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "b.py").write_text("b = 2  # the user changed this\n")
    plan = plan_from_proposals(
        proposals_for(
            tmp_path, {"a.py": ("a = 1\n", "a = 10\n"), "b.py": ("b = 1\n", "b = 20\n"), "n/c.py": (None, "c\n")}
        )
    )
    report = apply_plan_to_disk(plan)
    assert report.written == ["a.py", "n/c.py"]
    assert report.refused == ["b.py: changed since the agent read it; not applied"]
    assert (tmp_path / "a.py").read_text() == "a = 10\n"
    assert (tmp_path / "b.py").read_text() == "b = 2  # the user changed this\n"
    assert (tmp_path / "n" / "c.py").read_text() == "c\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.py", "b.py", "n"]  # no temporary files left


def test_confirmation_is_required_for_deletes(tmp_path: Path) -> None:
    (tmp_path / "old.py").write_text("x\n")
    plan = plan_from_proposals(proposals_for(tmp_path, {"old.py": ("x\n", None)}))
    assert plan.needs_confirmation
    assert not apply_plan_to_disk(plan).ok and (tmp_path / "old.py").exists()
    assert apply_plan_to_disk(plan, confirmed=True).deleted == ["old.py"]
    assert not (tmp_path / "old.py").exists()


def test_crlf_text_is_written_byte_for_byte(tmp_path: Path) -> None:
    (tmp_path / "w.py").write_bytes(b"x = 1\r\n")
    plan = plan_from_proposals(proposals_for(tmp_path, {"w.py": ("x = 1\r\n", "x = 2\r\n")}))
    assert apply_plan_to_disk(plan).ok
    assert (tmp_path / "w.py").read_bytes() == b"x = 2\r\n"
