"""What workspace text the repo map may keep (in memory and in ``$OUTRIDER_HOME``'s tag cache).

The map stores names and definition lines; both are taken through here, at the point they are
made, so the cold index and the cached one hold the same (deterministic) values and no secret is
written to disk:

* :func:`scrub_names`: name counts without credential-shaped names (``AKIA...``, ``ghp_...``,
  random mixed-case strings with digits: :func:`context.safety.heuristics.looks_like_secret_name`);
* :func:`scrub_signature`: a definition line redacted like any prompt text;
* :func:`blank_secret_strings`: a source's bytes with the bodies of triple-quoted strings given to
  secret-named keys blanked (same length), before its names are read.
"""

from __future__ import annotations

from collections.abc import Mapping

from context.safety.heuristics import looks_like_secret_name
from context.safety.secrets import redact, secret_strings

_SIGNATURE_TRIGGERS = ("=", ":", '"', "'", "`", "-----")


# A name that could be a credential has 10+ characters and 2+ digits; the digits of every name of a
# file are found in one pass (`str.translate`), then the few such names are checked one by one.
_KEEP_DIGITS = str.maketrans({chr(c): None for c in range(128) if not chr(c).isdigit() and chr(c) != "\n"})


def scrub_names(counts: Mapping[str, int]) -> dict[str, int]:
    """`counts` without the names that are credentials."""
    names = list(counts)
    digits = "\n".join(names).translate(_KEEP_DIGITS).split("\n")
    drop = {
        name
        for name, found in zip(names, digits, strict=False)
        if len(found) >= 2 and len(name) >= 10 and looks_like_secret_name(name)
    }
    return {name: count for name, count in counts.items() if name not in drop} if drop else dict(counts)


def scrub_signature(signature: str) -> str:
    """A definition line as it may be stored and shown (redacted)."""
    if not any(trigger in signature for trigger in _SIGNATURE_TRIGGERS):
        return signature  # `def f(a, b)` style lines without a value: nothing to mask
    return redact(signature)


def blank_secret_strings(data: bytes) -> bytes:
    """`data` with the body of each secret triple-quoted string replaced by spaces (same length;
    line breaks kept)."""
    if b'"""' not in data and b"'''" not in data:
        return data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    spans = secret_strings(text)
    if not spans:
        return data
    pieces: list[str] = []
    done = 0
    for start, end in spans:
        pieces += [text[done:start], "".join(c if c == "\n" else " " for c in text[start:end])]
        done = end
    pieces.append(text[done:])
    return "".join(pieces).encode("utf-8")
