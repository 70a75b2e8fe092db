"""Run one next-edit case through the engine, as ``outrider next-edit`` does: the user's edit is
replayed into the history from its diff, then one prediction at the cursor. Shared by the recorded
sessions' tests and ``bench/next_edit.py``."""

from __future__ import annotations

from pathlib import Path

from context.source.document import Document
from server.config import Settings
from server.models.types import Provider
from server.nextedit.diffs import replay_into
from server.nextedit.edits import TextEdit, apply_edits
from server.nextedit.engine import NextEditEngine, NextEditQuery, NextEditResult
from server.nextedit.history import EditHistory
from tests.nextedit.case_scripts import NextEditCase


def case_settings(**overrides: object) -> Settings:
    settings = Settings(**overrides)  # type: ignore[arg-type]
    settings.next_edit.debounce_ms = 0
    return settings


async def run_case(
    case: NextEditCase, provider: Provider, settings: Settings, root: Path
) -> tuple[NextEditResult, str]:
    """The prediction and the file after applying its edits."""
    document = Document(str(root / case.path), case.current, 1)
    clock = [0.0]
    history = EditHistory(clock=lambda: clock[0])
    engine = NextEditEngine(provider, settings, history=history)
    try:
        replay_into(
            history, document.path, case.path, document.text, case.diff, lambda: clock.__setitem__(0, clock[0] + 60)
        )
        result = await engine.predict(NextEditQuery(document.path, document, case.cursor))
    finally:
        engine.close()
    edits = [TextEdit(document.offset_at(e.range.start), document.offset_at(e.range.end), e.text) for e in result.edits]
    return result, apply_edits(document.text, edits)
