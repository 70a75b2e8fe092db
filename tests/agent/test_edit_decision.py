"""server/agent/edit_decision.py: what happens to one file edit, shared by every frontend."""

from pathlib import Path

from server.agent.edit_decision import ChangeFile, CreateFile, DeleteFile, Refuse, decide_edit
from server.agent.plan import FileEdit
from tools.proposals import text_hash

BASE = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"
NEW = BASE.replace("return 2", "return 20")


def edit(old: str | None, new: str | None) -> FileEdit:
    return FileEdit(Path("/w/m.py"), "m.py", None, text_hash(old), old, new)


def apply(current: str, decision: ChangeFile) -> str:
    out, at = [], 0
    for hunk in decision.hunks:
        out += [current[at : hunk.start], hunk.text]
        at = hunk.end
    return "".join(out) + current[at:]


def test_unchanged_file_takes_the_edit() -> None:
    decision = decide_edit(edit(BASE, NEW), BASE)
    assert isinstance(decision, ChangeFile) and not decision.rebased
    assert decision.text == NEW and apply(BASE, decision) == NEW


def test_a_user_change_elsewhere_is_rebased_or_refused_by_choice() -> None:
    current = "# header\n" + BASE
    decision = decide_edit(edit(BASE, NEW), current)
    assert isinstance(decision, ChangeFile) and decision.rebased
    assert apply(current, decision) == "# header\n" + NEW
    assert decide_edit(edit(BASE, NEW), current, rebase=False) == Refuse(
        "m.py: changed since the agent read it; not applied"
    )


def test_overlapping_change_is_refused() -> None:
    decision = decide_edit(edit(BASE, NEW), BASE.replace("return 2", "return 3"))
    assert isinstance(decision, Refuse) and "same place" in decision.reason


def test_creates_and_deletes() -> None:
    assert decide_edit(edit(None, "x\n"), None) == CreateFile("x\n")
    assert isinstance(decide_edit(edit(None, "x\n"), "already\n"), Refuse)
    assert isinstance(decide_edit(edit(None, "x\n"), None, can_create_delete=False), Refuse)
    assert decide_edit(edit(BASE, None), BASE) == DeleteFile()
    assert isinstance(decide_edit(edit(BASE, None), NEW), Refuse)
    assert isinstance(decide_edit(edit(BASE, None), BASE, can_create_delete=False), Refuse)
    assert decide_edit(edit(BASE, NEW), None) == Refuse("m.py: no longer exists")


def test_a_rebased_edit_is_one_hunk_per_change_around_the_users_change() -> None:
    base = BASE.replace("\n\n\ndef b", "\n\n\n" + "# filler line of the module\n" * 4 + "\n\ndef b")
    new = base.replace("return 1", "return 10").replace("return 2", "return 20")
    filler = "# filler line of the module\n" * 2
    current = base.replace(filler, filler + "# the user's note\n", 1)
    decision = decide_edit(edit(base, new), current)
    assert isinstance(decision, ChangeFile) and decision.rebased
    assert len(decision.hunks) == 2
    between = current[decision.hunks[0].end : decision.hunks[1].start]
    assert "# the user's note" in between  # no edit covers the user's change
    assert apply(current, decision) == new.replace(filler, filler + "# the user's note\n", 1)
