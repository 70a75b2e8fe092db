"""Secrets never leave the process: secret files are never read, inline secrets are masked.

Two defences, both cheap enough for every completion prompt:

``is_secret_file(rel_path)`` (:mod:`context.safety.secret_files`)
    Files whose whole purpose is to hold credentials (``.env``, private keys, ``.npmrc``, cloud and
    kube credentials, ...) are never read into context and never listed.

``redact(text)``
    Masks inline secrets with ``«redacted»``, keeping the number of lines (a masked multi-line private
    key block keeps one marker per line), so positions and diffs stay sane. It is idempotent.

Rules for assignments (``password = "..."`` in Python, JS, YAML, JSON, TOML, .env, shell, Go, PHP,
XML, command-line flags) -- chosen to mask real secrets and leave ordinary code alone:

* The *key* must END with a secret word (``password``, ``passwd``, ``passphrase``, ``pwd``,
  ``secret``, ``token``, ``api_key``/``apikey``, ``access_key``, ``private_key``, ``auth``,
  ``credential(s)``, ...), after any prefix: ``DB_PASSWORD``, ``client_secret``, ``x.auth_token``.
  ``password_field = "password"``, ``max_tokens = 5`` and ``author = "..."`` do not match.
* A quoted value is masked unless it is empty, a template (``f"Bearer {tok}"``, ``${VAR}``,
  ``{{ var }}``, ``%(name)s``, ``<placeholder>``) or only an auth scheme (``"Basic "``).
* An unquoted value (``.env``, YAML, shell, properties) is never masked when it reads as code: a
  call or expression (``next_token()``, ``x[0]``), a dotted reference (``self.token``), a snake_case
  or CamelCase name, a keyword literal (``None``, ``null``, ``true``), a reference as above, a small
  integer (fewer than 6 digits), or part of a chained or tuple assignment (``a = b = ''``,
  ``x, y = user, password``). Otherwise, after an UPPER_CASE key (``.env``, shell, constants) it is
  masked; after a key with lower-case letters (code, YAML, prose) only when it has a digit or a
  symbol or is 16 characters or longer (``password: hunter2`` is masked, ``password: hunter`` and
  ``- password: The password ...`` are not).
* Comparisons (``==``, ``!=``) mask only quoted literals of 8+ characters with a digit or symbol.
* A triple-quoted string given to such a key (``password = '''`` on one line, the secret on the
  next) has each of its non-blank lines masked, unless it is an f-string, blank or a reference:
  :func:`secret_strings` finds them across lines, and :func:`spans_lines` tells callers that redact
  line by line (:func:`context.packing.code_windows.redact_region`) to redact such text whole. The quotes
  must follow the key on its line (``key = (`` and the string on the next line is not seen).

Masking a harmless word costs a little context; leaking a key costs the user, so the rules lean to
masking. On the 668 Python files of CPython 3.11's standard library they change 6 lines (two
object identifiers, two grammar comments, one one-character string, and a real password in a
docstring).

Token shapes (masked wherever they appear): Anthropic ``sk-ant-``, OpenAI ``sk-``/``sk-proj-``,
AWS access key ids, GitHub ``ghp_``/``gho_``/``ghu_``/``ghs_``/``ghr_``/``github_pat_``, GitLab
``glpat-``, Slack ``xox?-``, Google ``AIza``, Stripe ``sk_live_``/``rk_live_``, npm, Hugging Face,
SendGrid, JWTs, ``Bearer``/``Basic`` credentials, ``user:password@`` in URLs, PEM private key blocks.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from context.safety.heuristics import mask_base64_secrets, mask_curl_user, mask_high_entropy, mask_prose
from context.safety.secret_files import is_secret_file as is_secret_file  # re-exported: the first defence

MARKER = "«redacted»"

# ---------------------------------------------------------------------------------------------
# Inline secrets
# ---------------------------------------------------------------------------------------------

_PEM_BLOCK = re.compile(
    r"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)(.*?)"
    r"(-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)",
    re.DOTALL,
)

# Each starts with a literal, which lets the regex engine skip ahead fast (a leading `\b` or an
# alternation would make it try every position: 100 times slower). The word boundary before the
# token is checked in code.
_TOKEN_SHAPES = tuple(
    re.compile(pattern)
    for pattern in (
        r"sk-(?:ant-|proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}",  # Anthropic, OpenAI
        r"A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|NPA)[0-9A-Z]{16}\b",  # AWS key ids
        r"gh[pousr]_[A-Za-z0-9]{30,}",  # GitHub
        r"github_pat_[A-Za-z0-9_]{20,}",
        r"glpat-[A-Za-z0-9_\-]{20,}",  # GitLab
        r"xox[abposre]-[A-Za-z0-9\-]{10,}",  # Slack
        r"AIza[0-9A-Za-z_\-]{35}",  # Google
        r"sk_(?:live|test)_[0-9A-Za-z]{16,}",  # Stripe
        r"rk_(?:live|test)_[0-9A-Za-z]{16,}",
        r"npm_[A-Za-z0-9]{36}\b",  # npm
        r"hf_[A-Za-z0-9]{30,}",  # Hugging Face
        r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}",  # SendGrid
        r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",  # JWT
    )
)

# The line patterns below (auth schemes, assignments, XML elements, flags) are matched against the
# lower-cased line (IGNORECASE makes Python's regex engine about 15 times slower) and read back from
# the original line, which has the same length.

# `Authorization: Bearer <credential>` and friends.
_AUTH_SCHEME = re.compile(r"\b((?:bearer|basic)[ \t]+)((?=[A-Za-z._~+/\-]*[0-9])[A-Za-z0-9._~+/\-]{12,}=*)")

# scheme://user:password@host
_URL_CREDENTIALS = re.compile(r"(://[^\s/:@'\"]+:)([^\s@/'\"]+)(@)")

_SECRET_WORD = (
    r"(?:password|passwd|passphrase|pwd|secret|token|auth|credentials?|api[_\-]?key|apikey"
    r"|access[_\-]?key(?:[_\-]?id)?|private[_\-]?key|secret[_\-]?key|session[_\-]?key|signing[_\-]?key"
    r"|encryption[_\-]?key|master[_\-]?key|account[_\-]?key|client[_\-]?secret|conn(?:ection)?[_\-]?string|pass)"
)
_QUOTED = (
    r"""[bBrRuUfF]{0,2}(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`\n]*`)"""
    r"""|\\"(?:[^"\\\n]|\\[^"\n])*\\"(?!")"""  # a string inside a JSON string: \"...\"
)
_UNQUOTED = r"""[^\s'"`,;#}\]]+"""
# key (ends with a secret word) [closing quote] [type annotation] operator value
# The match starts at the secret word (fast); the key's prefix and the word boundary before the
# word (`db_password`, `dbPassword`, not `mypassword`) are checked in code (`_key_before`).
_ASSIGNMENT = re.compile(
    r"(?P<key>" + _SECRET_WORD + r")"
    r"(?P<sep>(?:[\"']\]?)?[ \t]*(?::[ \t]*[A-Za-z_][\w\[\], .|]*?[ \t]*(?==))?(?::=|=>|==|!=|=|:)[ \t]*)"
    r"(?P<value>" + _QUOTED + "|" + _UNQUOTED + ")"
)
# <password>value</password>
_XML_ELEMENT = re.compile(r"(<(?:[\w\-]*[_\-])?" + _SECRET_WORD + r">)([^<\n]+)(</)")
# --password=value / --token value
_CLI_FLAG = re.compile(r"(--(?:[\w\-]*-)?" + _SECRET_WORD + r"(?:=|\s+))([^\s\-'\"][^\s'\"]*)")

_REFERENCE = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{.*\}\}|%\([^)]*\)[sdr]|<[^<>]*>|%[sdr]|\*+)[.,:;]?$")
_AUTH_SCHEME_ONLY = re.compile(r"(?i)^(?:basic|bearer|token|digest)\s*$")
# calls, indexing, literals; dotted references; snake_case names; CamelCase type names
_CODE_LIKE = re.compile(r"[()\[\]{}]|^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$|^[a-z][a-z0-9]*_[a-z0-9_]+$")
# after ':' a type annotation (`password: SecretStr`, `token: AccessToken`)
_TYPE_NAME = re.compile(
    r"^(?:[A-Z][a-z]+)*(?:Str|String|Bytes|Field|Type|Model|Secret|Token|Key|Credentials?|Password|Config|Settings"
    r"|Value|Info|Auth|Provider|Manager|Handler|Optional|Any)$"
)
_MIXED_CASE = re.compile(r"[a-z][A-Z]")
# a variable holding the secret (`password = db_password`, `token = accessToken`), not a value
_NAME_OF_SECRET = re.compile(r"^(?=[a-z_])(?i:[a-z_]*" + _SECRET_WORD + r"[a-z_]*)$")
_FORMAT_SPEC = re.compile(r"^[<>^=]?[0-9,.]+[a-z%]?$")  # f"{key.token:<12}"
_LITERALS = frozenset(
    {"none", "null", "nil", "true", "false", "undefined", "yes", "no", "on", "off", "|", ">", "|-", ">-"}
    | {"str", "string", "int", "bytes", "bool", "float", "number", "any", "object", "dict", "list", "secretstr"}
)


_SECRET_LOOKING = re.compile(r"[0-9]|[^A-Za-z_.\-]")
_CHAINED = re.compile(r"[ \t]*(?:=(?!=)|,)")


_KEY_PREFIX = re.compile(r"[A-Za-z0-9_.\-]*\Z")


def _key_before(match: _OnOriginal) -> str:
    """The rest of the key before the secret word (``db_`` in ``db_password``)."""
    start = match.start()
    found = _KEY_PREFIX.search(match.string, max(0, start - 80), start)
    return found.group() if found else ""


def _at_word_boundary(match: _OnOriginal) -> bool:
    """The secret word starts the key or a part of it: after ``_ . -``, or a lower-to-upper change."""
    start = match.start()
    if start == 0:
        return True
    before = match.string[start - 1]
    if not before.isascii() or not before.isalnum():
        return True
    if before.isupper() and match.group("key").isupper() and match.group("key").lower() in _GLUED_WORDS:
        return True  # PGPASSWORD, MYSQLPASSWORD: shell variables glue a prefix on
    return match.string[start].isupper() and (before.islower() or before.isdigit())


_GLUED_WORDS = frozenset({"password", "passwd", "secret", "token"})


def _is_maskable_value(match: _OnOriginal) -> bool:
    """Decide whether the value of a secret-named key is a secret (see the module docstring)."""
    value = match.group("value")
    comparison = "==" in match.group("sep") or "!=" in match.group("sep")
    quoted = value[-1:] in "\"'`" and len(value) >= 2
    if quoted:
        inner = value[2:-2] if value.startswith('\\"') else value.lstrip("bBrRuUfF")[1:-1]
        if comparison and (len(inner) < 8 or " " in inner or not _SECRET_LOOKING.search(inner)):
            return False
        if not inner or MARKER in inner or ("{" in inner and "}" in inner):  # empty, masked, a template
            return False
        return not (_REFERENCE.match(inner) or _AUTH_SCHEME_ONLY.match(inner))
    if comparison or MARKER in value or _REFERENCE.match(value) or value.lower() in _LITERALS:
        return False
    if (value.isdigit() and len(value) < 6) or _CHAINED.match(match.string, match.end()):
        return False
    if _FORMAT_SPEC.match(value) or (match.group("key").lower() == "pass" and "=" not in match.group("sep")):
        return False  # a format spec; `pass` is a key only with `=` (INI, .env), else prose or code
    if _CODE_LIKE.search(value) or _NAME_OF_SECRET.match(value):
        return False
    if ":" in match.group("sep") and _TYPE_NAME.match(value):
        return False
    # Keys in lower or mixed case are code, YAML or prose, where a bare word is usually a name.
    key_is_upper = not any(char.islower() for char in _key_before(match) + match.group("key"))
    secret_looking = bool(_SECRET_LOOKING.search(value) or _MIXED_CASE.search(value))
    return key_is_upper or len(value) >= 16 or secret_looking


def _mask_value(value: str) -> str:
    stripped = value.lstrip("bBrRuUfF")
    prefix = value[: len(value) - len(stripped)]
    if len(stripped) >= 2 and stripped[0] in "\"'`" and stripped[-1] == stripped[0]:
        return f"{prefix}{stripped[0]}{MARKER}{stripped[0]}"
    return MARKER


def _mask_pem(match: re.Match[str]) -> str:
    body = match.group(2)
    masked_body = "\n".join(MARKER if line.strip() else line for line in body.split("\n"))
    if "\n" not in body:
        masked_body = MARKER
    return match.group(1) + masked_body + match.group(3)


class _OnOriginal:
    """A match found in the lower-cased line, read from the original line (same length)."""

    def __init__(self, match: re.Match[str], original: str) -> None:
        self._match = match
        self.string = original

    def group(self, name: int | str = 0) -> str:
        start, end = self._match.span(name)
        return "" if start < 0 else self.string[start:end]

    def groups(self) -> tuple[str, ...]:
        return tuple(self.group(index) for index in range(1, self._match.re.groups + 1))

    def start(self) -> int:
        return self._match.start()

    def end(self) -> int:
        return self._match.end()


_AnyMatch = re.Match[str] | _OnOriginal
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


# A triple-quoted string given to a secret-named key (``password = """`` ... ``"""``): the line rules
# see only its first line, so the string is found here, across lines. The key is matched on the
# lower-cased text before the opening quotes, on their line, and must end there.
_TRIPLE_KEY = re.compile(
    r"(?P<key>" + _SECRET_WORD + r")[\"']?\]?[ \t]*(?::[ \t]*[A-Za-z_][\w\[\], .|]*?[ \t]*(?==))?"
    r"(?::=|=|:)[ \t]*\(?[ \t]*(?P<prefix>[bru]{0,2}|f[br]?|[br]f)\Z"
)


def secret_strings(text: str) -> list[tuple[int, int]]:
    """The (start, end) of the body of each triple-quoted string that a secret-named key is given
    (up to the end of `text` when it is not closed in it), unless it is an f-string, blank or a
    reference such as ``${VAR}``."""
    spans: list[tuple[int, int]] = []
    find = text.find  # str.find: far faster than a regular expression for either quote
    doubles, singles = find('"""'), find("'''")  # the next of each
    while doubles != -1 or singles != -1:
        opening = doubles if singles == -1 or (doubles != -1 and doubles < singles) else singles
        close = find(text[opening : opening + 3], opening + 3)
        end = len(text) if close == -1 else close
        body = text[opening + 3 : end].strip() if opens_secret_string(text, opening) else ""
        if body and not _REFERENCE.match(body):
            spans.append((opening + 3, end))
        if close == -1:
            break
        if doubles != -1 and doubles < close + 3:
            doubles = find('"""', close + 3)
        if singles != -1 and singles < close + 3:
            singles = find("'''", close + 3)
    return spans


def opens_secret_string(text: str, quote: int) -> bool:
    """Whether the triple quotes at `quote` open a string given to a secret-named key (the test of
    :func:`secret_strings`, without the body's)."""
    before = text[text.rfind("\n", 0, quote) + 1 : quote]
    if not before.rstrip("bBrRuUfF").rstrip(" \t(").endswith(("=", ":")):  # a docstring, a closing quote
        return False
    key = _TRIPLE_KEY.search(before.translate(_ASCII_LOWER))
    return key is not None and "f" not in key.group("prefix") and _at_word_boundary(_OnOriginal(key, before))


def spans_lines(text: str) -> bool:
    """Whether a rule reads across lines in `text` (a private key block, a triple-quoted secret):
    then only the whole text redacts it (as :func:`context.packing.code_windows.redact_region` does)."""
    return "PRIVATE KEY" in text or (('"""' in text or "'''" in text) and bool(secret_strings(text)))


def _mask_lines(body: str) -> str:
    """Each non-blank line of `body` replaced by MARKER after its indentation (lines kept)."""
    lines = body.split("\n")
    return "\n".join(line[: len(line) - len(line.lstrip())] + MARKER if line.strip() else line for line in lines)


def _sub_lowered(pattern: re.Pattern[str], line: str, replace: Callable[[_OnOriginal], str]) -> str:
    """``pattern.sub`` with ``pattern`` matched on the lower-cased ``line``."""
    lower = line.lower()
    if len(lower) != len(line):
        lower = line.translate(_ASCII_LOWER)
    pieces: list[str] = []
    done = 0
    for match in pattern.finditer(lower):
        pieces.append(line[done : match.start()])
        pieces.append(replace(_OnOriginal(match, line)))
        done = match.end()
    if not pieces:
        return line
    pieces.append(line[done:])
    return "".join(pieces)


def redact_with_count(text: str) -> tuple[str, int]:
    """Mask inline secrets; return the new text and how many secrets were masked."""
    count = 0

    def on_token(match: re.Match[str]) -> str:
        nonlocal count
        start = match.start()
        if start and (match.string[start - 1].isalnum() or match.string[start - 1] == "_"):
            return match.group(0)  # inside a longer word
        count += 1
        return MARKER

    def on_pem(match: re.Match[str]) -> str:
        nonlocal count
        if not match.group(2).replace(MARKER, "").strip():
            return match.group(0)
        count += 1
        return _mask_pem(match)

    def on_second_group(match: _AnyMatch) -> str:
        nonlocal count
        if MARKER in match.group(2):
            return match.group(0)
        count += 1
        return match.group(1) + MARKER + "".join(match.groups()[2:])

    def on_assignment(match: _OnOriginal) -> str:
        nonlocal count
        if not _at_word_boundary(match) or not _is_maskable_value(match):
            return match.group(0)
        count += 1
        return match.group("key") + match.group("sep") + _mask_value(match.group("value"))

    if "PRIVATE KEY" in text:
        text = _PEM_BLOCK.sub(on_pem, text)
    if '"""' in text or "'''" in text:
        pieces: list[str] = []
        done = 0
        for start, end in secret_strings(text):
            masked = _mask_lines(text[start:end])
            if masked != text[start:end]:
                count += 1
                pieces += [text[done:start], masked]
                done = end
        text = "".join(pieces) + text[done:] if pieces else text
    for shape in _TOKEN_SHAPES:
        text = shape.sub(on_token, text)
    text = _URL_CREDENTIALS.sub(on_second_group, text)
    for rule in (mask_base64_secrets, mask_high_entropy):
        text, found = rule(text, MARKER)
        count += found

    # The line patterns are slower: run them only on lines holding one of their trigger words.
    def on_line(line: str) -> str:
        nonlocal count
        line = _sub_lowered(_AUTH_SCHEME, line, on_second_group)
        line = _sub_lowered(_XML_ELEMENT, line, on_second_group)
        line = _sub_lowered(_CLI_FLAG, line, on_second_group)
        line = _sub_lowered(_ASSIGNMENT, line, on_assignment)
        for rule in (mask_prose, mask_curl_user):
            line, found = rule(line, MARKER)
            count += found
        return line

    text = _map_trigger_lines(text, _LINE_TRIGGERS, on_line)
    return text, count


# Every spelling of _SECRET_WORD, and the auth schemes, contain one of these (lower case).
_LINE_TRIGGERS = ("pass", "pwd", "secret", "token", "auth", "credential", "key", "conn", "bearer", "basic", "-u")


def _map_trigger_lines(text: str, triggers: tuple[str, ...], on_line: Callable[[str], str]) -> str:
    """Apply ``on_line`` to each line of ``text`` that contains a trigger (in any case)."""
    lower = text.lower()
    if len(lower) != len(text):  # a few characters change length in lower case: no shortcut
        return "\n".join(on_line(line) for line in text.split("\n"))
    starts: set[int] = set()
    for trigger in triggers:
        position = lower.find(trigger)
        while position != -1:
            starts.add(lower.rfind("\n", 0, position) + 1)
            line_end = lower.find("\n", position)
            position = -1 if line_end == -1 else lower.find(trigger, line_end)
    if not starts:
        return text
    pieces: list[str] = []
    done = 0
    for start in sorted(starts):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        pieces.append(text[done:start])
        pieces.append(on_line(text[start:end]))
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def redact(text: str) -> str:
    """Mask inline secrets with ``«redacted»``, keeping the line structure (see the module docstring)."""
    return redact_with_count(text)[0]
