"""From the model's answer to checked edits of the document, or the reason the prediction is dropped.

:func:`edits_from_answer` parses the rewrite, diffs it against the region as the model saw it and
maps the edits onto the document. Dropped (with a reason, never silently): an answer without a
whole region; a rewrite that changes nothing; edits of lines the model saw redacted; edits outside
the region; more than ``max_lines`` changed lines or ``max_chars`` characters; edits that undo the
user's last edit; edits that add syntax errors (tree-sitter, on the top-level definitions around
the region, before and after).
"""

from __future__ import annotations

from dataclasses import dataclass

from context.source.document import Document
from context.source.languages import get_parser
from server.completion.syntax import check_region, error_spans
from server.nextedit.edits import TextEdit, apply_edits, changed_lines, diff_to_edits
from server.nextedit.prepare import Prepared
from server.nextedit.prompt import parse_rewrite
from server.nextedit.textspan import changed_span


@dataclass(frozen=True, slots=True)
class Checked:
    edits: tuple[TextEdit, ...]  # code-point offsets into the snapshot's text
    dropped: str | None = None
    rewrite: str | None = None


@dataclass(frozen=True, slots=True)
class SizeCap:
    max_lines: int = 20
    max_chars: int = 2000


def edits_from_answer(prepared: Prepared, answer: str, before_last: str | None, cap: SizeCap) -> Checked:
    shown = prepared.shown_region
    rewrite = parse_rewrite(answer, shown.endswith("\n") or not shown)
    if rewrite is None:
        return Checked((), "no complete region in the answer")
    local = diff_to_edits(shown, rewrite)
    if not local:
        return Checked((), "no change", rewrite)
    text = prepared.snapshot.text
    original = text[prepared.region_start : prepared.region_end]
    if original != shown and not _outside_redactions(original, shown, local):
        return Checked((), "touches redacted text", rewrite)
    edits = tuple(TextEdit(e.start + prepared.region_start, e.end + prepared.region_start, e.new_text) for e in local)
    reason = check_edits(prepared, edits, before_last, cap)
    return Checked(() if reason else edits, reason, rewrite)


def check_edits(prepared: Prepared, edits: tuple[TextEdit, ...], before_last: str | None, cap: SizeCap) -> str | None:
    text = prepared.snapshot.text
    if any(e.start < prepared.region_start or e.end > prepared.region_end for e in edits):
        return "outside the region"
    size = sum(len(e.new_text) + e.end - e.start for e in edits)
    if changed_lines(text, edits) > cap.max_lines or size > cap.max_chars:
        return "too large"
    if before_last is not None and undoes_last_edit(text, edits, before_last):
        return "undoes the last edit"
    if adds_syntax_errors(prepared.snapshot, edits):
        return "would introduce syntax errors"
    return None


def _outside_redactions(original: str, shown: str, edits: list[TextEdit]) -> bool:
    """Every line the edits touch reads the same redacted and not (redaction keeps the line count),
    and every line before them too (so offsets agree)."""
    last = edits[-1].end
    last_line_end = shown.find("\n", last)
    upto = len(shown) if last_line_end < 0 else last_line_end
    return original[:upto] == shown[:upto]


def undoes_last_edit(text: str, edits: tuple[TextEdit, ...], before_last: str) -> bool:
    """The edits that overlap the user's last edit put back the text it replaced."""
    span = changed_span(before_last, text)
    if span is None:
        return False
    overlapping = [e for e in edits if e.start <= span.new_end and e.end >= span.start]
    return bool(overlapping) and apply_edits(text, overlapping) == before_last


def adds_syntax_errors(snapshot: Document, edits: tuple[TextEdit, ...]) -> bool:
    """More ERROR/MISSING nodes in the top-level definitions around the edits after them than before."""
    tree = snapshot.tree
    if tree is None or snapshot.language is None:
        return False
    source = snapshot.source
    first = snapshot.byte_at(edits[0].start)
    last = snapshot.byte_at(edits[-1].end)
    start = check_region(tree, source, first).start
    end = max(check_region(tree, source, max(first, last - 1)).end, last)
    before = source[start:end]
    base = snapshot.offset_of_byte(start)
    local = [TextEdit(e.start - base, e.end - base, e.new_text) for e in edits]
    after = apply_edits(before.decode("utf-8"), local).encode("utf-8")
    parser = get_parser(snapshot.language)
    return len(error_spans(parser.parse(after).root_node)) > len(error_spans(parser.parse(before).root_node))
