"""Type-ahead: one predicted edit made by hand leaves the others, moved."""

from __future__ import annotations

from server.nextedit.edits import TextEdit
from server.nextedit.typeahead import Predicted, remaining_after

TEXT = "a = width\nb = width\nc = width\n"
EDITS = (TextEdit(4, 9, "w"), TextEdit(14, 19, "w"), TextEdit(24, 29, "w"))


def test_the_others_remain_moved_by_the_change() -> None:
    rest = remaining_after(Predicted(TEXT, EDITS), TEXT[:14] + "w" + TEXT[19:])
    assert rest is not None
    assert rest.edits == (TextEdit(4, 9, "w"), TextEdit(20, 25, "w"))
    assert rest.text[20:25] == "width"


def test_another_change_or_the_last_edit_ends_it() -> None:
    assert remaining_after(Predicted(TEXT, EDITS), TEXT.replace("a =", "x =")) is None
    assert remaining_after(Predicted(TEXT, EDITS), TEXT[:14] + "wi" + TEXT[19:]) is None
    assert remaining_after(Predicted(TEXT, EDITS[:1]), TEXT[:4] + "w" + TEXT[9:]) is None
