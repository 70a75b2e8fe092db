"""Secret rules beyond key names and token shapes, used by :func:`context.safety.secrets.redact`:

* prose: ``the password is hunter2!``, ``uses the api key Abc123xyz`` (in comments, docstrings,
  Markdown): a secret word, optionally ``is``/``was``/``:``/``=``, then a value that reads as a
  secret (8+ characters with letters and digits, or a symbol; never a dotted or snake_case name);
* ``curl -u user:password`` / ``--user user:password`` (and ``wget``'s ``--password`` flag is a
  key name already);
* base64-encoded keys: a quoted run (or one after ``=``/``:``) of 24+ base64 characters whose
  decoded text is a known token shape, a private key header or a secret assignment;
* high-entropy literals: a quoted run of 32+ characters of one token alphabet with upper- and
  lower-case letters and digits and at least 4.2 bits of entropy per character (random keys;
  hashes in hex or lower case, identifiers and prose do not qualify).

Each rule reads one line at a time (callers that redact line by line stay exact). All return the
line with the secret replaced by the marker, and how many they masked.

:func:`looks_like_secret_name` is the cheap test the repo map uses on every identifier-shaped name
it stores (``AKIA...``, ``ghp_...``, random mixed-case strings with digits).
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable

_PROSE = re.compile(
    r"\b(?:password|passphrase|passwd|secret|token|api[ _\-]?key|access[ _\-]key|private[ _\-]key)s?"
    r"(?P<sep>[ \t]+(?:is|was|are)[ \t]+|[ \t]*[:=][ \t]*|[ \t]+)"
    r"(?P<quote>[`'\"]?)(?P<value>[^\s`'\"]{8,})"
)
_PROSE_WORDS = ("pass", "secret", "token", "api", "access", "private")  # one of these starts every match
_VALUE_TRAILING = ".,;:)]}"
_SYMBOLS = frozenset("!@#$%^&+=?~")
_CODE_NAME = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$|[()\[\]{}]|^https?://")

_CURL_USER = re.compile(r"(?:^|[ \t])(?:-u|--user)(?:[ \t]+|=)['\"]?(?P<user>[^\s:'\"$]+:)(?P<value>[^\s'\"@]+)")

# Only a quoted value or one after `=`/`:` (a leading character class lets the engine skip ahead).
_BASE64_RUN = re.compile(r"[\"'`=:][ \t]*(?P<value>[A-Za-z0-9+/\-_]{24,}={0,2})")
_DECODED_SECRET = re.compile(
    r"sk-(?:ant-|proj-)?[A-Za-z0-9_\-]{16,}|sk_(?:live|test)_|rk_(?:live|test)_|gh[pousr]_[A-Za-z0-9]{20,}"
    r"|github_pat_|xox[abposre]-|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{20,}|PRIVATE KEY-----|glpat-"
    r"|(?i:password|passwd|secret|token|api_?key)[\"']?\s*[:=]"
)

_QUOTED_RUN = re.compile(r"(?P<quote>[\"'`])(?P<value>[A-Za-z0-9+/=_\-.]{32,})(?P=quote)")
_MIN_ENTROPY_BITS = 4.2
_CONSTANT_WORDS = re.compile(r"[A-Z]{3,}_[A-Z]{3,}|[a-z]{3,}_[a-z]{3,}")

_SECRET_NAME_PREFIX = re.compile(
    r"(?:AKIA|ASIA|gh[pousr]_|github_pat_|glpat|xox[abposre]|AIza|sk_live|sk_test|rk_live|rk_test|npm_|hf_|sk|eyJ)"
)


def _reads_as_secret(value: str) -> bool:
    if _CODE_NAME.search(value):
        return False
    has_letter = any(char.isalpha() for char in value)
    has_digit = any(char.isdigit() for char in value)
    return (has_letter and has_digit) or any(char in _SYMBOLS for char in value)


def mask_prose(line: str, marker: str) -> tuple[str, int]:
    """``the password is X`` and friends (see the module docstring)."""
    lower = line.lower()
    if len(lower) != len(line):
        return line, 0
    first = min((i for i in (lower.find(word) for word in _PROSE_WORDS) if i >= 0), default=-1)
    if first < 0:
        return line, 0
    pieces: list[str] = []
    done = count = 0
    for match in _PROSE.finditer(lower, first):
        start, end = match.span("value")
        value = line[start:end].rstrip(_VALUE_TRAILING) if not match.group("quote") else line[start:end]
        if marker in value or not _reads_as_secret(value):
            continue
        pieces += [line[done:start], marker]
        done = start + len(value)
        count += 1
    return ("".join(pieces) + line[done:], count) if count else (line, 0)


def mask_curl_user(line: str, marker: str) -> tuple[str, int]:
    """``curl -u user:password``: the password part."""
    if "-u" not in line:
        return line, 0
    return _sub_group(_CURL_USER, line, lambda m: marker not in m.group("value"), marker)


def _decodes_to_secret(run: str) -> bool:
    if not (any(c.islower() for c in run) and any(c.isupper() for c in run)):
        return False  # base64 of text mixes cases; CONSTANT_NAMES and hex digests do not
    padded = run + "=" * (-len(run) % 4)
    try:
        decoded = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        text = decoded.decode("ascii")
    except UnicodeDecodeError:
        return False
    return text.isprintable() and bool(_DECODED_SECRET.search(text))


def mask_base64_secrets(line: str, marker: str) -> tuple[str, int]:
    """Base64 runs whose decoded text is a credential."""
    return _sub_group(_BASE64_RUN, line, lambda m: _decodes_to_secret(m.group("value")), marker)


def _entropy_bits(value: str) -> float:
    counts = Counter(value)
    total = len(value)
    return -sum(n / total * math.log2(n / total) for n in counts.values())


def _random_looking(value: str) -> bool:
    if _CODE_NAME.search(value) or _CONSTANT_WORDS.search(value):
        return False  # a dotted name, a CONSTANT_NAME
    if not (any(c.isupper() for c in value) and any(c.islower() for c in value) and any(c.isdigit() for c in value)):
        return False
    return _entropy_bits(value) >= _MIN_ENTROPY_BITS


def mask_high_entropy(line: str, marker: str) -> tuple[str, int]:
    """Quoted random-looking runs of 32+ characters."""
    return _sub_group(_QUOTED_RUN, line, lambda m: _random_looking(m.group("value")), marker, group="value")


def looks_like_secret_name(name: str) -> bool:
    """Whether an identifier-shaped name is a credential rather than a name: a known token prefix
    followed by a long tail, or a random mix of cases and digits (10+ characters, 2+ digits, 2+
    upper-case letters, digits between letters)."""
    if len(name) < 10:
        return False
    if _SECRET_NAME_PREFIX.match(name) and len(name) >= 16 and sum(c.isdigit() for c in name) >= 2:
        return True
    digits = sum(c.isdigit() for c in name)
    uppers = sum(c.isupper() for c in name)
    if digits < 2 or uppers < 2 or not any(c.islower() for c in name):
        return False
    inner = name[1:-1]
    return any(c.isdigit() and inner[i - 1].isalpha() for i, c in enumerate(inner) if i > 0)


def _sub_group(
    pattern: re.Pattern[str],
    line: str,
    accept: Callable[[re.Match[str]], bool],
    marker: str,
    group: int | str = "value",
) -> tuple[str, int]:
    pieces: list[str] = []
    done = count = 0
    for match in pattern.finditer(line):
        if not accept(match):
            continue
        start, end = match.span(group)
        pieces += [line[done:start], marker]
        done = end
        count += 1
    return ("".join(pieces) + line[done:], count) if count else (line, 0)
