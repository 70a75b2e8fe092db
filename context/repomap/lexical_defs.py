"""Definition names of a source file, by a line-anchored pattern per language (no syntax tree).

    names = DEFINITIONS["python"](data)    # an iterable of the defined names, as bytes

Used by :func:`context.repomap.lexical.lexical_names` (which documents what counts as a definition
in each language and blanks Python's prose first: :func:`blank_python_prose`). Never raises on
arbitrary bytes. Imports only ``re``: the lexing helper process starts light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

_BLANKS = frozenset(b" \t")

_W = rb"[A-Za-z_\x80-\xff][\w\x80-\xff]*"  # an identifier
_JW = rb"[A-Za-z_$\x80-\xff][\w$\x80-\xff]*"  # a JavaScript identifier


def words(text: str) -> frozenset[bytes]:
    return frozenset(word.encode() for word in text.split())


_NOT_A_NAME: dict[str, frozenset[bytes]] = {
    "python": words("else try finally"),
    "ecma": words("if for while switch catch function return typeof new delete await yield do else constructor"),
    "java": words("return new throw else if for while switch catch synchronized do case assert yield"),
    "c": words("return else if for while switch sizeof case do goto typedef"),
}
_NOT_A_NAME["cpp"] = _NOT_A_NAME["c"] | words("new delete throw co_return co_yield co_await operator")


# -- python ---------------------------------------------------------------------------------------

_PY_DEF = re.compile(rb"def[ \t]+(" + _W + rb")")  # literal first: the fastest search re has
_PY_CLASS = re.compile(rb"class[ \t]+(" + _W + rb")")
_PY_COMMENT = re.compile(rb"#[^\n]*")
_PY_ASSIGN = re.compile(rb"\n(" + _W + rb")[ \t]*(?::(?!=)|=(?!=))")
_TRIPLE_QUOTE = b'"""'


def blank_python_prose(data: bytes) -> bytes:
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


DEFINITIONS: dict[str, Callable[[bytes], Iterable[bytes]]] = {
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
