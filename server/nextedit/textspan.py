"""Where two versions of a text differ: one contiguous span, found without a character loop.

:func:`changed_span` compares in chunks (each a C-level string comparison), so finding the edit a
keystroke made in a 5,000-line document costs tens of microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

_CHUNK = 2048


@dataclass(frozen=True, slots=True)
class Span:
    """``old[start:old_end]`` became ``new[start:new_end]``; everything else is equal."""

    start: int
    old_end: int
    new_end: int


def _common_prefix(a: str, b: str, limit: int) -> int:
    i = 0
    while i < limit:
        step = min(_CHUNK, limit - i)
        if a[i : i + step] == b[i : i + step]:
            i += step
            continue
        while step > 1:  # binary search inside the differing chunk
            half = step // 2
            if a[i : i + half] == b[i : i + half]:
                i += half
                step -= half
            else:
                step = half
        return i
    return i


def _common_suffix(a: str, b: str, limit: int) -> int:
    n = 0
    la, lb = len(a), len(b)
    while n < limit:
        step = min(_CHUNK, limit - n)
        if a[la - n - step : la - n] == b[lb - n - step : lb - n]:
            n += step
            continue
        while step > 1:
            half = step // 2
            if a[la - n - half : la - n] == b[lb - n - half : lb - n]:
                n += half
                step -= half
            else:
                step = half
        return n
    return n


def changed_span(old: str, new: str) -> Span | None:
    """The one span that differs (None when the texts are equal)."""
    if old is new or old == new:
        return None
    shortest = min(len(old), len(new))
    start = _common_prefix(old, new, shortest)
    end = _common_suffix(old, new, shortest - start)
    return Span(start, len(old) - end, len(new) - end)


def line_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` widened to whole lines (``end`` just after the last line's newline); an
    empty span at the start of a line (where whole lines were inserted or deleted) stays empty."""
    line_start = text.rfind("\n", 0, start) + 1
    if end == start == line_start:
        return start, start
    if end > start and text[end - 1 : end] == "\n":
        return line_start, end
    newline = text.find("\n", end)
    return line_start, len(text) if newline < 0 else newline + 1
