"""The code before and after a cursor, cut to token budgets, optionally with secrets redacted.

:func:`code_windows` picks a region of whole lines around the cursor, redacts it as one piece
(so a multi-line secret such as a PEM private key is seen whole, and the region is widened to
take in a whole key block, or a whole triple-quoted string given to a secret-named key), splits it
at the cursor and cuts the prefix from its tail and the suffix from its head with
:func:`context.tokens.truncate_to_tokens` (whole lines when at least one fits). The region starts
at about four characters per token and doubles while the budget is not filled, so a big file costs
about what the budget holds, not what the file holds.

The region is grown on the plain text and redacted once, at the end. If redaction changes the
cursor line itself (the cursor is on a secret), the redacted line is cut
at the same column: the text around the cursor may shift a little, but no secret survives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from context.safety.secrets import MARKER, opens_secret_string, redact_with_count, spans_lines
from context.tokens import truncate_counted

log = logging.getLogger(__name__)

FIRST_GUESS_CHARS_PER_TOKEN = 4
_MIN_CHARS = 256
_PEM_BEGIN = "-----BEGIN"
_PEM_END = "-----END"
_TRIPLE_QUOTES = ('"""', "'''")
SECRET_STRING_REACH = 20_000  # characters: a secret string longer than this is not a credential


def _line_start_before(text: str, offset: int) -> int:
    return 0 if offset <= 0 else text.rfind("\n", 0, offset) + 1


def _line_end_after(text: str, offset: int) -> int:
    """Just after the line break at or after `offset` (or the end of the text)."""
    found = text.find("\n", max(0, offset))
    return len(text) if found == -1 else found + 1


def _widen_for_key_blocks(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the whole of a PEM block that the region [start, end) cuts."""
    begin = text.rfind(_PEM_BEGIN, 0, start)
    if begin != -1 and text.find(_PEM_END, begin, start) == -1:
        start = _line_start_before(text, begin)
    last_begin = text.rfind(_PEM_BEGIN, start, end)
    if last_begin != -1 and text.find(_PEM_END, last_begin, end) == -1:
        closing = text.find(_PEM_END, end)
        if closing != -1:
            end = _line_end_after(text, closing)
    return start, end


def _widen_for_secret_strings(text: str, start: int, end: int) -> tuple[int, int]:
    """Take in the whole of a triple-quoted string given to a secret-named key that [start, end)
    cuts (:func:`context.safety.secrets.secret_strings`: its lines after the first read as plain text).
    Only the nearest quotes are looked at (a closing quote never follows a secret-named key on its
    line), at most SECRET_STRING_REACH characters before the region."""
    for quote in _TRIPLE_QUOTES:
        opening = text.rfind(quote, max(0, start - SECRET_STRING_REACH), start)
        if opening != -1 and opens_secret_string(text, opening):
            closing = text.find(quote, opening + 3)
            if closing == -1 or closing + 3 > start:  # start is inside it
                start = _line_start_before(text, opening)
        opening = text.rfind(quote, start, end)
        if opening != -1 and opens_secret_string(text, opening):
            closing = text.find(quote, opening + 3)
            if closing == -1 or closing + 3 > end:  # end is inside it
                end = len(text) if closing == -1 else _line_end_after(text, closing)
    return start, end


def _split_at_cursor(region: str, shown: str, cursor: int) -> tuple[str, str]:
    """Split `shown` (the region, possibly redacted, same line structure) at `cursor` (an index in region)."""
    original_lines = region.split("\n")
    shown_lines = shown.split("\n")
    if len(original_lines) != len(shown_lines):  # redaction keeps lines; never trust it blindly
        raise ValueError("redaction changed the number of lines")
    row = region.count("\n", 0, cursor)
    column = cursor - (region.rfind("\n", 0, cursor) + 1)
    line = shown_lines[row]
    column = min(column, len(line))
    before = "\n".join([*shown_lines[:row], line[:column]])
    after = "\n".join([line[column:], *shown_lines[row + 1 :]])
    return before, after


# Each line seen, redacted, and the secrets masked in it (two dicts: the region is put together
# with map() in C).
_redacted_lines: dict[str, str] = {}
_masked_in_line: dict[str, int] = {}
_REDACTED_LINES_CACHE_SIZE = 32768


def redact_region(region: str) -> tuple[str, int]:
    """``redact_with_count(region)``, line by line from a cache.

    Every rule of :mod:`context.safety.secrets` but the private key block and the triple-quoted secret
    reads one line at a time (no pattern crosses a line break; the line rules run per line), so a
    region without those (:func:`context.safety.secrets.spans_lines`) redacts as the join of its lines
    redacted alone (tested against the whole-region call).
    Lines not seen before are redacted in one call, joined; a line that came out changed, or that
    holds a marker already, is redacted alone for its count (an unchanged line without a marker
    masked nothing: every mask writes a marker).
    """
    if spans_lines(region):
        return redact_with_count(region)
    lines = region.split("\n")
    texts, counts = _redacted_lines, _masked_in_line
    missing = [line for line in dict.fromkeys(lines) if line not in texts]
    if missing:
        shown = redact_with_count("\n".join(missing))[0].split("\n")
        if len(shown) != len(missing):  # redaction keeps lines; never trust it blindly
            return redact_with_count(region)
        if len(texts) + len(missing) > _REDACTED_LINES_CACHE_SIZE:
            texts.clear()
            counts.clear()
        for line, clean in zip(missing, shown, strict=True):
            if clean != line or MARKER in line:
                clean, count = redact_with_count(line)
            else:
                count = 0
            counts[line] = count  # the count first: a line in `texts` always has its count
            texts[line] = clean
    try:
        return "\n".join(map(texts.__getitem__, lines)), sum(map(counts.__getitem__, lines))
    except KeyError:  # another thread emptied the cache meanwhile
        return redact_with_count(region)


def _redacted_halves(region: str, cursor: int) -> tuple[str, str, int]:
    """The region redacted as one piece, split at `cursor`, and how many secrets were masked."""
    shown, count = redact_region(region)
    try:
        before, after = _split_at_cursor(region, shown, cursor)
    except ValueError:
        log.warning("redaction changed the line structure; redacting each side of the cursor alone")
        before, count_before = redact_with_count(region[:cursor])
        after, count_after = redact_with_count(region[cursor:])
        return before, after, count_before + count_after
    return before, after, count


@dataclass(frozen=True, slots=True)
class Windows:
    """The code around a cursor within its budgets, and what each side costs (``count_tokens``)."""

    prefix: str
    suffix: str
    masked: int  # secrets masked in the region read
    prefix_tokens: int
    suffix_tokens: int


def code_windows(
    text: str,
    offset: int,
    prefix_tokens: int,
    suffix_tokens: int,
    model: str | None = None,
    *,
    redact: bool = True,
) -> tuple[str, str, int]:
    """(prefix, suffix, secrets masked in the region read) around code-point `offset` of `text`."""
    windows = counted_code_windows(text, offset, prefix_tokens, suffix_tokens, model, redact=redact)
    return windows.prefix, windows.suffix, windows.masked


def counted_code_windows(
    text: str,
    offset: int,
    prefix_tokens: int,
    suffix_tokens: int,
    model: str | None = None,
    *,
    redact: bool = True,
) -> Windows:
    """:func:`code_windows` with the token count of each side."""
    offset = max(0, min(offset, len(text)))
    prefix_tokens, suffix_tokens = max(0, prefix_tokens), max(0, suffix_tokens)
    before = max(prefix_tokens * FIRST_GUESS_CHARS_PER_TOKEN, _MIN_CHARS)
    after = max(suffix_tokens * FIRST_GUESS_CHARS_PER_TOKEN, _MIN_CHARS)
    start = end = -1
    while True:  # grow the region on the plain text (cheap); redact once, at the end
        new_start = _line_start_before(text, offset - before)
        new_end = _line_end_after(text, offset + after)
        if new_start != start:  # each side is cut again only when its part of the region grew
            start = new_start
            prefix, prefix_cost = truncate_counted(text[start:offset], prefix_tokens, model, keep="tail")
        if new_end != end:
            end = new_end
            suffix, suffix_cost = truncate_counted(text[offset:end], suffix_tokens, model, keep="head")
        more_before = prefix_tokens > 0 and start > 0 and len(prefix) == offset - start
        more_after = suffix_tokens > 0 and end < len(text) and len(suffix) == end - offset
        if not (more_before or more_after):
            break
        before *= 2 if more_before else 1
        after *= 2 if more_after else 1
    if not redact:
        return Windows(prefix, suffix, 0, prefix_cost, suffix_cost)
    # Redact whole lines around what was chosen (a key block whole), then cut again: masking can
    # change a piece's token count either way. If it changed nothing, cutting again gives the same
    # pieces: the cut depends only on the lines up to the first one that does not fit, and the
    # region read holds that line (see context.tokens._fitting_part for the same argument).
    start, end = _line_start_before(text, offset - len(prefix)), _line_end_after(text, offset + len(suffix))
    start, end = _widen_for_secret_strings(text, *_widen_for_key_blocks(text, start, end))
    region = text[start:end]
    whole_prefix, whole_suffix, count = _redacted_halves(region, offset - start)
    if whole_prefix == region[: offset - start] and whole_suffix == region[offset - start :]:
        return Windows(prefix, suffix, count, prefix_cost, suffix_cost)
    prefix, prefix_cost = truncate_counted(whole_prefix, prefix_tokens, model, keep="tail")
    suffix, suffix_cost = truncate_counted(whole_suffix, suffix_tokens, model, keep="head")
    return Windows(prefix, suffix, count, prefix_cost, suffix_cost)
