"""Definition and reference names of a source file, read lexically (no syntax tree): the ranking inputs.

    defs, refs = lexical_names(data, "python")    # {name: count}, {name: count}

The repo map ranks files from these counts for every file of the workspace, so they must be cheap:
a definition pattern per language, anchored at the start of a line, and references taken as every
identifier-shaped token of the file (strings included; for Python, triple-quoted docstrings and ``#``
comments are blanked out first, for definitions too: prose, not code) minus the definition
occurrences themselves and the names written right before a lone ``=`` (assignment targets and
keyword arguments such as ``primary_key=True``: written, not read), dropped at 0; without the
language's keywords, one-character names and tokens that start with a digit. (Measured on
sqlalchemy: with prose, assignment targets and one-character names counted, the rendered maps named
far more definitions the focus file never uses.) Bytes at or above 0x80 count as identifier
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
from collections.abc import Callable, Iterable

TYPE_CHECKING = False  # mypy takes it as True; typing itself is not imported (the helper starts light)
if TYPE_CHECKING:  # annotations only
    from typing import TypeVar

    _Name = TypeVar("_Name", str, bytes)

NameCounts = dict[str, int]

_IDENT_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$") | frozenset(
    range(128, 256)
)
_TOKEN_TABLE = bytes(c if c in _IDENT_BYTES else 32 for c in range(256))
_BLANKS = frozenset(b" \t")
_DIGITS = "0123456789"

_W = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"  # an identifier
_JW = rb"[A-Za-z_$\x80-\xff][\w$\x80-\xff]*"  # a JavaScript identifier


def _words(text: str) -> frozenset[bytes]:
    return frozenset(word.encode() for word in text.split())


_KEYWORDS: dict[str, frozenset[bytes]] = {
    "python": _words(
        "False None True and as assert async await break class continue def del elif else except finally for"
        " from global if import in is lambda nonlocal not or pass raise return try while with yield self cls"
    ),
    "ecma": _words(
        "break case catch class const continue debugger default delete do else enum export extends false finally"
        " for function if import in instanceof let new null return super switch this throw true try typeof var"
        " void while with yield async await of static get set undefined interface type implements private public"
        " protected readonly declare abstract namespace module keyof as is any string number boolean"
    ),
    "go": _words(
        "break case chan const continue default defer else fallthrough for func go goto if import interface map"
        " package range return select struct switch type var nil true false"
    ),
    "rust": _words(
        "as async await break const continue crate dyn else enum extern false fn for if impl in let loop match mod"
        " move mut pub ref return self Self static struct super trait true type unsafe use where while"
    ),
    "java": _words(
        "abstract assert boolean break byte case catch char class const continue default do double else enum"
        " extends final finally float for goto if implements import instanceof int interface long native new"
        " package private protected public return short static strictfp super switch synchronized this throw"
        " throws transient try void volatile while true false null var record"
    ),
    "c": _words(
        "auto break case char const continue default do double else enum extern float for goto if inline int long"
        " register restrict return short signed sizeof static struct switch typedef union unsigned void volatile"
        " while define include ifdef ifndef endif elif undef pragma"
    ),
}
_KEYWORDS["cpp"] = _KEYWORDS["c"] | _words(
    "bool catch class constexpr const_cast delete dynamic_cast explicit false friend mutable namespace new"
    " noexcept nullptr operator private protected public reinterpret_cast static_cast template this throw true"
    " try typename using virtual override final"
)
_NOT_A_NAME: dict[str, frozenset[bytes]] = {
    "python": _words("else try finally"),
    "ecma": _words("if for while switch catch function return typeof new delete await yield do else constructor"),
    "java": _words("return new throw else if for while switch catch synchronized do case assert yield"),
    "c": _words("return else if for while switch sizeof case do goto typedef"),
}
_NOT_A_NAME["cpp"] = _NOT_A_NAME["c"] | _words("new delete throw co_return co_yield co_await operator")


# -- python ---------------------------------------------------------------------------------------

_PY_DEF = re.compile(rb"def[ \t]+(" + _W + rb")")  # literal first: the fastest search re has
_PY_CLASS = re.compile(rb"class[ \t]+(" + _W + rb")")
_PY_COMMENT = re.compile(rb"#[^\n]*")
_PY_ASSIGN = re.compile(rb"\n(" + _W + rb")[ \t]*(?::(?!=)|=(?!=))")
_TRIPLE_QUOTE = b'"""'


def _blank_python_prose(data: bytes) -> bytes:
    """The source with each triple-quoted string (``\"\"\"`` to the next ``\"\"\"``, what the regular
    expression ``\"\"\"[\\s\\S]*?\"\"\"`` matches, left to right) and then each ``#`` comment replaced by a space.

    The strings are found with ``bytes.find`` (three times faster than the lazy regular expression on
    sqlalchemy's long docstrings); an unclosed ``\"\"\"`` blanks nothing, as with the expression."""
    find = data.find
    start = find(_TRIPLE_QUOTE)
    if start >= 0:
        kept: list[bytes] = []
        done = 0
        while start >= 0:
            end = find(_TRIPLE_QUOTE, start + 3)
            if end < 0:
                break
            kept.append(data[done:start])
            done = end + 3
            start = find(_TRIPLE_QUOTE, done)
        if kept:
            kept.append(data[done:])
            data = b" ".join(kept)
    return _PY_COMMENT.sub(b" ", data)


def _python_defs(data: bytes) -> Iterable[bytes]:
    """``def``/``class`` preceded on its line only by indentation (and ``async``), module assignments."""
    found: list[bytes] = []
    rfind = data.rfind
    for pattern in (_PY_DEF, _PY_CLASS):
        for match in pattern.finditer(data):
            start = match.start()
            prefix = data[rfind(b"\n", 0, start) + 1 : start]
            if prefix and (prefix[-1] not in _BLANKS or prefix.strip(b" \t") not in (b"", b"async")):
                continue
            found.append(match.group(1))
    skip = _NOT_A_NAME["python"]
    found.extend(name for name in _PY_ASSIGN.findall(b"\n" + data) if name not in skip)
    return found


# -- javascript, typescript, tsx ------------------------------------------------------------------

# Possessive quantifiers (``*+``, ``++``) where giving characters back can never lead to a match (a run
# of blanks before a name or keyword, a name before a character that cannot continue it, a negated
# class before the character it excludes): the same matches without retrying every split of an
# indentation on each line (about five times faster on JavaScript and TypeScript).
_JWP = rb"[A-Za-z_$\x80-\xff][\w$\x80-\xff]*+"  # a JavaScript identifier, never shortened
_JS_FUNCTION_VALUE = rb"(?:async[ \t]+)?(?:function\b|(?:\([^)\n]*+\)|" + _JWP + rb")[ \t]*+(?::[^=\n]*+)?=>)"
_JS_DEF = re.compile(
    rb"\n(?:"
    # declarations: function, class, interface, type, enum, namespace (any indentation)
    rb"[ \t]*+(?:export[ \t]++)?(?:default[ \t]++)?(?:declare[ \t]++)?(?:abstract[ \t]++)?(?:async[ \t]++)?"
    rb"(?:function[ \t]*\*?|class|interface|type|enum|namespace|module)[ \t]+(" + _JW + rb")"
    # top-level const / let (and exported ones)
    rb"|(?:export[ \t]++)?(?:const|let)[ \t]++(" + _JW + rb")"
    # function-valued variables and member assignments, at any indentation
    rb"|[ \t]*+(?:(?:const|let|var)[ \t]++|(?:"
    + _JWP
    + rb"\.)+)?("
    + _JWP
    + rb")[ \t]*+(?::[^=\n]*+)?=[ \t]*+"
    + _JS_FUNCTION_VALUE
    + rb"|[ \t]*+("
    + _JWP
    + rb")[ \t]*+:[ \t]*+"
    + _JS_FUNCTION_VALUE
    # class methods: an indented name, parameters, a body on the same line
    + rb"|[ \t]++(?:(?:public|private|protected|static|async|readonly|abstract|override|get|set)[ \t]++)*\*?[ \t]*+(#?"
    + _JWP
    + rb")[ \t]*+(?:<[^>\n]*+>)?[ \t]*+\([^;()\n]*+\)[ \t]*+(?::[^;{\n]*+)?\{[^\n]*"
    + rb")"
)


def _ecma_defs(data: bytes) -> Iterable[bytes]:
    skip = _NOT_A_NAME["ecma"]
    for groups in _JS_DEF.findall(b"\n" + data):
        for index, name in enumerate(groups):
            if name:
                if index < 4 or name not in skip:
                    yield name
                break


# -- go -------------------------------------------------------------------------------------------

_GO_DEF = re.compile(
    rb"\n(?:func[ \t]+(?:\([^)\n]*\)[ \t]*)?(" + _W + rb")"
    rb"|(?:type|const|var)[ \t]+(" + _W + rb"(?:[ \t]*,[ \t]*" + _W + rb")*)"
    rb"|package[ \t]+(" + _W + rb"))"
)
_GO_GROUP = re.compile(rb"\n(?:type|const|var)[ \t]*\((.*?)\n\)", re.S)
_GO_INTERFACE = re.compile(rb"interface(?<!\winterface)[ \t]*\{[ \t]*(\n.*?)\n[ \t]*\}", re.S)  # \binterface
_GO_SPEC = re.compile(rb"\n(?:\t|    )(" + _W + rb"(?:[ \t]*,[ \t]*" + _W + rb")*)")
_GO_METHOD_ELEM = re.compile(rb"\n[ \t]+(" + _W + rb")[ \t]*\(")
_COMMA = re.compile(rb"[ \t]*,[ \t]*")


def _go_defs(data: bytes) -> Iterable[bytes]:
    source = b"\n" + data
    for function, declared, package in _GO_DEF.findall(source):
        if function:
            yield function
        elif declared:
            yield from _COMMA.split(declared)
        else:
            yield package
    for group in _GO_GROUP.findall(source):
        for names in _GO_SPEC.findall(group):
            yield from _COMMA.split(names)
    for body in _GO_INTERFACE.findall(source):
        yield from _GO_METHOD_ELEM.findall(body)


# -- rust -----------------------------------------------------------------------------------------

_RUST_DEF = re.compile(
    rb"\n[ \t]*+(?:pub(?:[ \t]*\([^)\n]*\))?[ \t]+)?"
    rb"(?:(?:const|async|unsafe|default|extern(?:[ \t]+\"[^\"\n]*\")?)[ \t]+)*"
    rb"(?:(?:fn|struct|enum|union|trait|type|mod|const|static(?:[ \t]+mut)?)[ \t]+|macro_rules![ \t]*)(" + _W + rb")"
)


def _rust_defs(data: bytes) -> Iterable[bytes]:
    return _RUST_DEF.findall(b"\n" + data)


# -- java -----------------------------------------------------------------------------------------

_JAVA_MODIFIER = (
    rb"(?:public|private|protected|static|final|abstract|sealed|non-sealed|strictfp|synchronized|native|default"
    rb"|transient|volatile)"
)
_JAVA_DEF = re.compile(
    rb"\n[ \t]*+(?:@" + _W + rb"(?:\([^)\n]*\))?[ \t]+)*"
    rb"(?:"
    rb"(?:" + _JAVA_MODIFIER + rb"[ \t]+)*(?:class|interface|enum|record|@interface)[ \t]+(" + _W + rb")"
    rb"|package[ \t]+([\w.]+)[ \t]*;"
    rb"|((?:" + _JAVA_MODIFIER + rb"[ \t]+)*)(?:<[^>\n]*>[ \t]+)?"
    rb"(?:(" + _W + rb"(?:\.\w+)*(?:<[^\n(=;]*>)?(?:\[\])*)[ \t]+)?(" + _W + rb")[ \t]*([(=;])"
    rb")"
)
_JAVA_ACCESS = re.compile(rb"\b(?:public|private|protected|static)\b")


def _java_defs(data: bytes) -> Iterable[bytes]:
    skip = _NOT_A_NAME["java"]
    for declared, package, modifiers, return_type, name, follower in _JAVA_DEF.findall(b"\n" + data):
        if declared or package:
            yield declared or package
        elif name in skip or return_type in skip:
            continue
        elif follower == b"(":
            if modifiers or return_type:  # a method, or a constructor with modifiers
                yield name
        elif return_type and _JAVA_ACCESS.search(modifiers):  # a field
            yield name


# -- c, c++ ---------------------------------------------------------------------------------------

_WP = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*+"  # an identifier, never shortened (see _JWP)
_C_DEF = re.compile(  # on b"\n" + data: a literal first character (the line start) is searched fast
    rb"\n([ \t]*+)(?:"
    rb"#[ \t]*define[ \t]+(" + _W + rb")"
    rb"|(?:typedef[ \t]+)?(?:(?:struct|union|class)|enum(?:[ \t]+(?:class|struct))?)[ \t]+(?:\w+[ \t]+)*?("
    + _W
    + rb")[ \t]*(?:final[ \t]*)?(?::[^{;\n]*)?(?:\n[ \t]*)?\{"
    rb"|typedef[ \t][^;{}]*?(" + _W + rb")[ \t]*;"
    rb"|\}[ \t]*(" + _W + rb")[ \t]*;"
    rb"|namespace[ \t]+([\w:]+)[ \t]*\{"
    rb"|using[ \t]+(" + _W + rb")[ \t]*="
    rb"|(?:template[ \t]*<[^>\n]*>[ \t]*)?concept[ \t]+(" + _W + rb")[ \t]*="
    rb"|(?:(?:static|inline|extern)[ \t]+)*(?:const|constexpr)[ \t]+[\w:<>]+(?:[ \t]*[*&])?[ \t]+("
    + _W
    + rb")[ \t]*[={]"
    rb"|(?:" + _WP + rb")::(~?" + _WP + rb")[ \t]*\("
    rb"|((?:[\w:<>,]++[ \t*&]++)+)\**(?:" + _WP + rb"::)*(~?" + _WP + rb")[ \t]*\([^;{}\n]*(?:\)[^;{}\n]*(;|\{)?)?"
    rb")"
)
_C_ENUM_BODY = re.compile(rb"enum(?<!\wenum)\b[^{;]*\{([^}]*)\}")  # \benum, literal first
_C_ENUMERATOR = re.compile(rb"(?:^|,)\s*(" + _W + rb")")
_C_COMMENT = re.compile(rb"/\*.*?\*/|//[^\n]*", re.S)


def _c_family_defs(data: bytes, language: str) -> Iterable[bytes]:
    skip = _NOT_A_NAME[language]
    for groups in _C_DEF.findall(b"\n" + data):
        indent, *simple, return_type, function, _ = groups
        found = next((name for name in simple if name), b"")
        if found:
            yield found
        elif function and function not in skip:
            words = return_type.split()
            if words and words[0] not in skip and (language == "cpp" or not indent):
                yield function
    for body in _C_ENUM_BODY.findall(data):
        yield from _C_ENUMERATOR.findall(_C_COMMENT.sub(b"", body))


_DEFINITIONS: dict[str, Callable[[bytes], Iterable[bytes]]] = {
    "python": _python_defs,
    "javascript": _ecma_defs,
    "typescript": _ecma_defs,
    "tsx": _ecma_defs,
    "go": _go_defs,
    "rust": _rust_defs,
    "java": _java_defs,
    "c": lambda data: _c_family_defs(data, "c"),
    "cpp": lambda data: _c_family_defs(data, "cpp"),
}
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
    find_defs = _DEFINITIONS[language]
    if language == "python":
        data = _blank_python_prose(data)
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
