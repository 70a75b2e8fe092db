"""Definition and reference names of a source file, read lexically (no syntax tree): the ranking inputs.

    defs, refs = lexical_names(data, "python")    # {name: count}, {name: count}

The repo map ranks files from these counts for every file of the workspace, so they must be cheap:
a definition pattern per language, anchored at the start of a line, and references taken as every
identifier-shaped token of the file (strings included; for Python, triple-quoted docstrings and ``#``
comments are blanked out first, for definitions too: prose, not code) minus the definition
occurrences themselves and the names written right before a lone ``=`` (assignment targets and
keyword arguments such as ``primary_key=True``: written, not read), dropped at 0; without the
language's keywords, one-character names and tokens that start with a digit (bench/README.md says
why). Bytes at or above 0x80 count as identifier
characters, so UTF-8 identifiers stay whole; names are decoded as UTF-8 (invalid bytes replaced).

The definition patterns mirror what ``context/queries/*.scm`` call definitions, as far as a
line-anchored regular expression can: ``def``/``class`` at any indentation and module-level
assignments for Python; ``function``/``class``/``interface``/``type``/``enum``, top-level
``const``/``let``, function-valued variables, properties and class methods for JavaScript and
TypeScript; ``func``, methods, types, top-level ``const``/``var`` (also in ``( ... )`` groups) and
interface methods for Go; items for Rust; types, methods, constructors and fields with modifiers for
Java; macros, tagged types with a body, typedefs, enumerators and functions for C and C++. Known
differences on real code are definitions inside non-docstring multi-line strings (found here, not by
tree-sitter) and declarations split over unusual line breaks (missed here); in Python, a ``#`` inside a string
hides the rest of its line (a reference there is not seen); ``tests/context/test_lexical.py`` lists
the differences the fixtures show. Never raises on arbitrary bytes.

Cost (every file of a cold index is lexed): one ``translate``/``split``/``Counter`` pass gives the
references; an ASCII source (the usual case) is counted as text, so no name is decoded on its own;
Python prose is found with ``bytes.find``; the definition patterns search a literal first and use
possessive quantifiers where giving characters back cannot lead to a match.
``tests/context/test_lexical_reference.py`` pins all of it against a plain reference implementation.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from context.repomap.lexical_defs import DEFINITIONS, blank_python_prose, words
from context.safety.state_text import blank_secret_strings, scrub_names

TYPE_CHECKING = False  # mypy takes it as True; typing itself is not imported (the helper starts light)
if TYPE_CHECKING:  # annotations only
    from typing import TypeVar

    _Name = TypeVar("_Name", str, bytes)

NameCounts = dict[str, int]

_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") | frozenset(
    range(128, 256)
)
_TOKEN_TABLE = bytes(c if c in _IDENT_BYTES else 32 for c in range(256))
_DIGITS = "0123456789"


_KEYWORDS: dict[str, frozenset[bytes]] = {
    "python": words(
        "False None True and as assert async await break class continue def del elif else except finally for"
        " from global if import in is lambda nonlocal not or pass raise return try while with yield self cls"
    ),
    "ecma": words(
        "break case catch class const continue debugger default delete do else enum export extends false finally"
        " for function if import in instanceof let new null return super switch this throw true try typeof var"
        " void while with yield async await of static get set undefined interface type implements private public"
        " protected readonly declare abstract namespace module keyof as is any string number boolean"
    ),
    "go": words(
        "break case chan const continue default defer else fallthrough for func go goto if import interface map"
        " package range return select struct switch type var nil true false"
    ),
    "rust": words(
        "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod"
        " move mut pub ref return self Self static struct super trait true type unsafe use where while"
    ),
    "java": words(
        "abstract assert boolean break byte case catch char class const continue default do double else enum"
        " extends final finally float for goto if implements import instanceof int interface long native new"
        " package private protected public return short static strictfp super switch synchronized this throw"
        " throws transient try void volatile while true false null var record"
    ),
    "c": words(
        "auto break case char const continue default do double else enum extern float for goto if inline int long"
        " register restrict return short signed sizeof static struct switch typedef union unsigned void volatile"
        " while define include ifdef ifndef endif elif undef pragma"
    ),
}
_KEYWORDS["cpp"] = _KEYWORDS["c"] | words(
    "bool catch class constexpr const_cast delete dynamic_cast explicit false friend mutable namespace new"
    " noexcept nullptr operator private protected public reinterpret_cast static_cast template this throw true"
    " try typename using virtual override final"
)


_KEYWORD_FAMILY = {"javascript": "ecma", "typescript": "ecma", "tsx": "ecma"}


def _decode(name: bytes) -> str:
    return name.decode("utf-8", errors="replace")


_ASSIGNED_REVERSED = re.compile(rb"=(?<![=>]=)[ \t]*([\w\x80-\xff]+)")


def _assigned_names(data: bytes) -> bytes:
    """Names right before a lone ``=`` (assignment targets, keyword arguments): written, not read.

    ``==``, ``!=``, ``<=``, ``+=``, ``=>`` and the like are not lone. Searched in the reversed bytes,
    where the pattern starts with the literal ``=`` (the fastest search ``re`` has); the names are
    turned back in one join and reverse: separated by spaces (last first: only their counts matter)."""
    return b" ".join(_ASSIGNED_REVERSED.findall(data[::-1]))[::-1]


_DIGIT_LED = re.compile(r" ([0-9][^ ]*)")  # in " " + names joined by single spaces
# mutable sets on purpose: ``dict.keys() & set`` iterates the smaller side, ``& frozenset`` always the set
_ONE_CHARACTER = {chr(c) for c in _IDENT_BYTES if c < 128}
_KEYWORD_SETS = {family: set(words) for family, words in _KEYWORDS.items()}
_KEYWORD_TEXT_SETS = {family: {word.decode() for word in words} for family, words in _KEYWORDS.items()}


def _drop_written(
    tokens: Counter[_Name], keywords: set[_Name], defs: Iterable[tuple[_Name, int]], assigned: list[_Name]
) -> None:
    """Drop the keywords from the token counts, subtract the definition occurrences and assignment
    targets (written, not read), and drop the names that reach 0."""
    get, pop = tokens.get, tokens.pop  # dict's: Counter's __delitem__ is Python code
    for word in tokens.keys() & keywords:
        pop(word)
    for name, count in defs:
        left = get(name)
        if left is not None:
            if left > count:
                tokens[name] = left - count
            else:
                pop(name)
    for name in assigned:
        left = get(name)
        if left is not None:
            if left > 1:
                tokens[name] = left - 1
            else:
                pop(name)


def _text_reference_counts(tokens: Counter[str]) -> NameCounts:
    """The counts without names that start with a digit (found by one search over the names joined)
    or are one character long (ASCII names: one byte)."""
    if tokens:
        pop = tokens.pop
        for name in _DIGIT_LED.findall(" " + " ".join(tokens)):
            pop(name)
        for name in tokens.keys() & _ONE_CHARACTER:
            pop(name)
    return dict(tokens)


def _reference_counts(tokens: Counter[bytes]) -> NameCounts:
    """Decoded names with counts, without names that start with a digit or are one character long
    (names that decode alike: the last one's count)."""
    names = b" ".join(tokens).decode("utf-8", errors="replace").split(" ")  # "replace" adds no space
    digits = _DIGITS
    return {
        name: count
        for name, count in zip(names, tokens.values(), strict=False)  # b"" -> [""] when empty
        if name[0] not in digits and len(name) > 1
    }


def _definition_counts(def_counts: Counter[bytes]) -> NameCounts:
    """Decoded definition names with counts (names that decode alike are summed)."""
    if not def_counts:
        return {}
    joined = b" ".join(def_counts)
    if joined.isascii():
        names = joined.decode("ascii").split(" ")
        if len(names) == len(def_counts):  # no definition name holds a space: decoded in one go
            return dict(zip(names, def_counts.values(), strict=True))
    defs: NameCounts = {}
    for name, count in def_counts.items():
        key = _decode(name)
        defs[key] = defs.get(key, 0) + count
    return defs


def lexical_names(data: bytes, language: str) -> tuple[NameCounts, NameCounts]:
    """(definition-name counts, reference-name counts) of one file; KeyError for an unknown language.

    ASCII sources (the usual case) are counted as text: every name is decoded at once, with the
    bytes; other sources as bytes, each remaining name decoded on its own."""
    find_defs = DEFINITIONS[language]
    if language == "python":
        data = blank_python_prose(data)
    def_counts: Counter[bytes] = Counter(find_defs(data))
    defs = _definition_counts(def_counts)
    family = _KEYWORD_FAMILY.get(language, language)
    assigned = _assigned_names(data)
    if data.isascii():
        text_tokens = Counter(data.translate(_TOKEN_TABLE).decode("ascii").split())
        _drop_written(text_tokens, _KEYWORD_TEXT_SETS[family], defs.items(), assigned.decode("ascii").split())
        return defs, _text_reference_counts(text_tokens)
    tokens = Counter(data.translate(_TOKEN_TABLE).split())
    _drop_written(tokens, _KEYWORD_SETS[family], def_counts.items(), assigned.split())
    return defs, _reference_counts(tokens)


def safe_lexical_names(data: bytes, language: str) -> tuple[NameCounts, NameCounts]:
    """:func:`lexical_names` as the repo map keeps them (in memory and on disk): the bodies of
    triple-quoted secrets are not read, and credential-shaped names are left out
    (:mod:`context.safety.state_text`)."""
    defs, refs = lexical_names(blank_secret_strings(data), language)
    return scrub_names(defs), scrub_names(refs)
