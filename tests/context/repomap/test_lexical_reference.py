"""context/repomap/lexical.py's fast paths against a straightforward reference implementation kept here.

The module counts names with shortcuts that must not change a single count: prose blanked with
``bytes.find`` instead of a lazy regular expression, names decoded in one join and filtered by set
operations and one search, subtractions that drop a name as it reaches 0, and definition patterns
with possessive quantifiers, a literal first character and ``\\b`` written as a lookbehind. The
reference below does each step the plain way (the form before those speed-ups): the outputs must be
equal, key order included, on the fixtures and on generated code-like and arbitrary bytes.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.repomap import lexical, lexical_defs
from context.repomap.lexical import NameCounts, lexical_names
from context.source.languages import supported_languages
from tests.context.repomap.test_lexical import FIXTURES, WORKSPACES

LANGUAGES = supported_languages()

_DOCSTRING = re.compile(rb'"""[\s\S]*?"""')
_COMMENT = re.compile(rb"#[^\n]*")
_ASSIGNED_REVERSED = re.compile(rb"=(?<![=>]=)[ \t]*([\w\x80-\xff]+)")
_IDENTIFIER_BYTES = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$" + bytes(range(128, 256))
_TOKEN_TABLE = bytes(c if c in _IDENTIFIER_BYTES else 32 for c in range(256))


def _backtracking(pattern: re.Pattern[bytes]) -> re.Pattern[bytes]:
    """The same expression with its possessive quantifiers greedy again (none of these has a literal ``+``)."""
    return re.compile(pattern.pattern.replace(b"*+", b"*").replace(b"++", b"+"), pattern.flags)


def _reference_names(data: bytes, language: str) -> tuple[NameCounts, NameCounts]:
    if language == "python":
        data = _COMMENT.sub(b" ", _DOCSTRING.sub(b" ", data))
    def_counts = Counter(lexical_defs.DEFINITIONS[language](data))
    tokens = Counter(data.translate(_TOKEN_TABLE).split())
    for word in lexical._KEYWORDS[lexical._KEYWORD_FAMILY.get(language, language)]:
        tokens.pop(word, None)
    for name, count in def_counts.items():
        if name in tokens:
            tokens[name] -= count
    for reversed_name in _ASSIGNED_REVERSED.findall(data[::-1]):
        if reversed_name[::-1] in tokens:
            tokens[reversed_name[::-1]] -= 1
    refs: NameCounts = {}
    for token, count in tokens.items():
        text = token.decode("utf-8", errors="replace")
        if count > 0 and text[0] not in "0123456789" and len(text) > 1:
            refs[text] = count  # names that decode alike: the last one's count
    defs: NameCounts = {}
    for token, count in def_counts.items():
        text = token.decode("utf-8", errors="replace")
        defs[text] = defs.get(text, 0) + count
    return defs, refs


def _assert_same(data: bytes, language: str) -> None:
    expected_defs, expected_refs = _reference_names(data, language)
    defs, refs = lexical_names(data, language)
    assert defs == expected_defs
    assert refs == expected_refs
    assert list(defs) == list(expected_defs)  # same order too (first occurrence)
    assert list(refs) == list(expected_refs)


# What the definition patterns were before the speed-ups: (fast pattern, its plain form, whether the
# fast one runs on b"\n" + data where the plain one ran on data).
_PLAIN_PATTERNS: list[tuple[re.Pattern[bytes], re.Pattern[bytes], bool]] = [
    (lexical_defs._JS_DEF, _backtracking(lexical_defs._JS_DEF), False),
    (lexical_defs._RUST_DEF, _backtracking(lexical_defs._RUST_DEF), False),
    (lexical_defs._JAVA_DEF, _backtracking(lexical_defs._JAVA_DEF), False),
    (
        lexical_defs._C_DEF,
        re.compile(rb"(?:^|\n)" + _backtracking(lexical_defs._C_DEF).pattern.removeprefix(rb"\n")),
        True,
    ),
    (lexical_defs._C_ENUM_BODY, re.compile(rb"\benum\b[^{;]*\{([^}]*)\}"), False),
    (lexical_defs._GO_INTERFACE, re.compile(rb"\binterface[ \t]*\{[ \t]*(\n.*?)\n[ \t]*\}", re.S), False),
]

# Fragments that reach every branch of the patterns: indentation, keywords and modifiers of each
# language, the punctuation they look for, names with digits, ``$`` and non-ASCII bytes.
_FRAGMENTS = [
    *(b"\n", b"\n", b" ", b"    ", b"\t", b"  "),
    *(b"def ", b"class ", b"async ", b"self", b'"""', b"# ", b"=", b" = ", b"==", b"=>", b":", b":=", b"+="),
    *(b"function ", b"function* ", b"const ", b"let ", b"var ", b"export ", b"default ", b"static ", b"get "),
    *(b"public ", b"private ", b"interface ", b"type ", b"enum ", b"namespace ", b"abstract ", b"readonly "),
    *(b"func ", b"package ", b"fn ", b"pub ", b"pub(crate) ", b"struct ", b"impl ", b"mod ", b"macro_rules! "),
    *(b"#define ", b"typedef ", b"union ", b"using ", b"template <class T> ", b"concept ", b"constexpr "),
    *(b"int ", b"void ", b"return ", b"new ", b"final ", b"@Override ", b"record ", b"throws "),
    *(b"(", b")", b"{", b"}", b"[", b"]", b"[]", b";", b",", b".", b"*", b"&", b"<", b">", b"<T>", b"~", b"::"),
    *(b"/*", b"*/", b"//", b"'", b'"', b"#"),
    *(b"x", b"ab", b"Name", b"run_2", b"a.b", b"1", b"0x1F", b"2nd", b"$el", b"#priv", b"_"),
    *(b"caf\xc3\xa9", b"\xc3\xa9", b"\xff", b"\xe2\x82", b"\xed\xa0\x80", b"\xf0\x9f\x90\x8d"),
]
# Whole declarations of each kind the patterns look for, to be cut and mixed with the fragments.
_DECLARATIONS = [
    *(b"\n    async def run(self):", b"\nclass Cart(Base):", b"\nLIMIT: int = 3", b'\n    """doc""" # note'),
    *(b"\n  foo(a, b) {", b"\n  static async *gen<T>(x: T): T {", b"\n  #secret() { return 1 }"),
    *(b"\nexport default abstract class Shape", b"\nexport const f = async (a) => a", b"\nlet g = x =>"),
    *(b"\n    name: async function", b"\n  obj.prop.fn = function", b"\n  handler: (e): void =>"),
    *(b"\nfunc (s *Server) Run() {", b"\nconst (\n\tA = 1\n\tB, C = 2, 3\n)", b"\ntype T interface {\n\tRun()\n}"),
    *(b"\npub(crate) async unsafe fn run", b'\n  extern "C" fn f', b"\nmacro_rules! m", b"\n  static mut X"),
    *(b"\n  @Ann(x) public static <T> List<T> of(", b"\npackage a.b;", b"\n  private final int size;"),
    *(b"\nstatic inline int *vec_new(size_t n) {", b"\ntypedef struct node node_t;", b"\n} Point;"),
    *(b"\nenum color { RED, /* c */ GREEN = 2 };", b"\n#define MAX(a) a", b"\nnamespace geo::shapes {"),
    *(b"\nusing Id = int;", b"\ntemplate <class T> concept C =", b"\nconstexpr double PI = 3;"),
    *(b"\nint Shape::area() const {", b"\n  virtual ~Shape();", b"\nstruct S final : Base\n{"),
]
_CODE_LIKE = st.lists(
    st.sampled_from(_FRAGMENTS) | st.sampled_from(_DECLARATIONS) | st.binary(max_size=6), max_size=60
).map(b"".join)


@pytest.mark.parametrize("path", FIXTURES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_fixtures_match_the_reference(path: str, language: str) -> None:
    _assert_same((WORKSPACES / path).read_bytes(), language)  # every file through every language


@settings(max_examples=400, deadline=None)
@given(data=_CODE_LIKE, language=st.sampled_from(LANGUAGES))
def test_code_like_bytes_match_the_reference(data: bytes, language: str) -> None:
    _assert_same(data, language)


@settings(max_examples=150, deadline=None)
@given(data=st.binary(max_size=300), language=st.sampled_from(LANGUAGES))
def test_arbitrary_bytes_match_the_reference(data: bytes, language: str) -> None:
    _assert_same(data, language)


@settings(max_examples=300, deadline=None)
@given(data=_CODE_LIKE)
def test_definition_patterns_match_their_plain_form(data: bytes) -> None:
    for fast, plain, on_newline in _PLAIN_PATTERNS:
        assert fast.findall(b"\n" + data if on_newline else data) == plain.findall(data), fast.pattern[:40]


def test_plain_forms_differ_from_the_fast_ones() -> None:
    """The reference is not the module's own expression (the test above would prove nothing)."""
    for fast, plain, _ in _PLAIN_PATTERNS:
        assert fast.pattern != plain.pattern


def test_non_ascii_names_that_decode_alike_keep_the_last_count() -> None:
    """Invalid UTF-8 decodes with replacement characters: two different tokens can become one name
    (the references keep the last one's count, the definitions add up), on the slow path."""
    data = b"ab\xff\xfe ab\xfe\xff ab\xfe\xff\n"
    _assert_same(data, "python")
    assert lexical_names(data, "python")[1] == {"ab\ufffd\ufffd": 2}
