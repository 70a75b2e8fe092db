"""Suggestions keyed on the exact request that would be sent (the packed context, model and shape),
and type-ahead reuse of the last suggestion while the user types into it.

Neither ever calls a model: a hit is answered in microseconds.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass


def cache_key(parts: Iterable[str]) -> str:
    """A stable digest of the request's identity (length-prefixed, so parts can't run together)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


class SuggestionCache:
    """A small LRU of finished suggestions. Empty answers are cached too (they cost a call as well)."""

    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._items: OrderedDict[str, str | None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: str) -> bool:
        return key in self._items

    def get(self, key: str) -> str | None:
        """The cached suggestion (None for a cached empty answer); check ``in`` first to tell a miss."""
        self._items.move_to_end(key)
        return self._items[key]

    def put(self, key: str, suggestion: str | None) -> None:
        self._items[key] = suggestion
        self._items.move_to_end(key)
        while len(self._items) > self._capacity:
            self._items.popitem(last=False)


@dataclass(frozen=True, slots=True)
class _Shown:
    prefix: str  # the whole document before the cursor when the suggestion was made
    suffix: str  # the whole document after the cursor
    text: str  # the suggestion


class TypeAhead:
    """Remembers the last suggestion per document; answers from it while the user types it.

    When the text before the cursor grew by exactly the characters the suggestion starts with (and
    nothing after the cursor changed), the rest of the suggestion is still right: no model call.
    """

    def __init__(self) -> None:
        self._shown: dict[str, _Shown] = {}

    def remember(self, document: str, prefix: str, suffix: str, suggestion: str) -> None:
        self._shown[document] = _Shown(prefix, suffix, suggestion)

    def forget(self, document: str) -> None:
        self._shown.pop(document, None)

    def lookup(self, document: str, prefix: str, suffix: str) -> str | None:
        """The rest of the last suggestion if the user has been typing it; else None."""
        shown = self._shown.get(document)
        if shown is None or len(prefix) < len(shown.prefix) or suffix != shown.suffix:
            return None
        if not prefix.startswith(shown.prefix):
            return None
        typed = prefix[len(shown.prefix) :]
        if not shown.text.startswith(typed) or len(typed) >= len(shown.text):
            return None
        return shown.text[len(typed) :]
