"""Offline token counting that never undercounts, so a hard token budget stays hard.

No tokenizer files are needed at run time. ``count_tokens`` is an upper bound built the way byte-level
BPE tokenizers (GPT-4o's o200k, GPT-4's cl100k, Qwen's, Llama's, Claude's) work:

1. Text is split into pieces like those tokenizers' pre-tokenizers do (letter runs with one leading
   space, split again at case changes; digits; punctuation runs; whitespace runs; each non-ASCII
   character alone). No token crosses a pre-token boundary, so every piece costs at least one token.
2. Inside a piece the cost is an upper estimate: a letter run costs one token per 7 letters plus one
   per *uncommon letter pair* (``_COMMON_PAIRS``; in random strings most pairs are uncommon, in words
   few, which is what makes BPE split the former and not the latter); digits cost one token per three
   (OpenAI) or per digit (Qwen, Llama, assumed for Claude); punctuation one per character; whitespace
   runs one per 16; a non-ASCII character one per UTF-8 byte (cl100k spends two tokens on
   letters as common as ``Ø``; this is the one rule that is exact as a worst case).
3. Family factor: Claude's tokenizer is not public and is known to use more tokens than OpenAI's on
   the same text (up to about 1.35x for recent models), so Anthropic and unknown models get x1.25 on
   top of a bound that already holds for all three reference tokenizers with margin. Two tokens of
   slack per text cover very short texts. No count exceeds the UTF-8 byte length, of the text or of
   its NFC form (a byte-level BPE token covers at least one byte; some tokenizers normalise first).

Calibration (``bench/context_safety.py --calibrate`` re-runs it): against the real o200k_base,
cl100k_base and Qwen3 tokenizers (the ``quicktok-v1`` package, a test dependency only) on Python library sources,
documents, JSON/C/JS and adversarial text (random letters, base64, hex, UUIDs, punctuation, digits,
CJK, Cyrillic, emoji, whitespace), and on held-out sources (the standard library, C headers, Go,
Rust, TypeScript, Lua, this project): never under, with the smallest ratio about 1.02 on whole
files; the median overcount on code is about 1.5x of o200k (1.9x for the Claude family).
``tests/context/test_tokens.py`` checks the bound against those tokenizers.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from typing import Literal

# Pieces, in the manner of the o200k/cl100k pre-tokenizers: a letter run takes one leading space and
# is split again at lower-to-upper case changes; digits come alone (their cost depends on the family);
# a whitespace run leaves its last space to the word after it; punctuation takes one leading space;
# newlines group with the blanks before them; every non-ASCII character stands alone.
_PIECE = re.compile(
    r" ?(?:[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[A-Z])"
    r"|[0-9]+"
    r"|[ \t]+(?![^ \t\r\n])|[ \t]*[\r\n]+"
    r"| ?[!-/:-@\[-`{-~]+"
    r"|[ \t]+"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
    r"|[^\x00-\x7f]"
)
# Letter pairs common inside words of code and prose (the 183 most frequent in the Python sources
# and documents of this project's dependencies, covering 90% of pair occurrences). Any other pair in
# a letter run usually marks a token boundary: random strings are full of them, words have few.
_COMMON_PAIRS_TEXT = """
    ab ac ad ag ai al am an ap ar as at au ay ba be bl bo bu ca ce ch ck cl co cr ct cu da de di do ds
    ea ec ed ee ef el em en ep er es et ev ex fa fe ff fi fo fr fu ge gi gr ha he hi ho ht ia ic id ie
    if ig il im in io ip ir is it ke la ld le lf li ll lo ls lt lu ly ma me mi mm mo mp na nc nd ne ng
    ni no np ns nt nu oc od of ol om on oo op or os ot ou ov ow pa pe pi pl po pp pr pt py qu ra rd re
    rg ri rl rm rn ro rr rs rt ru ry sa sc se sh si so sp ss st su ta tc te th ti to tr ts tt tu ty ua
    ue ul um un up ur us ut va ve vi wa wh wi wo xt yo yp
"""
_COMMON_PAIRS = frozenset(_COMMON_PAIRS_TEXT.split())
_LETTERS_PER_TOKEN = 7

# Tokenizer families. OpenAI's cut digits in groups of three; Qwen, Llama and (we assume) Claude cut
# every digit. The factor covers tokenizers less efficient than the calibration set (see module doc).
Family = Literal["openai", "anthropic", "local"]
_FAMILY_FACTOR: dict[Family, float] = {"openai": 1.0, "anthropic": 1.25, "local": 1.0}
# Added once per text: a short text has too few pieces for the per-piece margins to add up.
_SLACK = 2
_DIGITS_PER_TOKEN: dict[Family, int] = {"openai": 3, "anthropic": 1, "local": 1}


@functools.lru_cache(maxsize=256)
def model_family(model: str | None) -> Family:
    """Which tokenizer family a model name belongs to; unknown and missing names get the safest."""
    name = (model or "").lower().rpartition("/")[2]
    if name.startswith(("gpt", "o1", "o3", "o4", "chatgpt", "text-embedding", "codex")):
        return "openai"
    if name.startswith(("qwen", "llama", "codellama", "deepseek", "mistral", "codestral", "starcoder", "gemma")):
        return "local"
    return "anthropic"


def _letters_cost(piece: str) -> int:
    """One token per 7 letters, plus one for every uncommon letter pair (a likely token boundary)."""
    word = piece.lstrip(" ").lower()
    uncommon = sum(1 for i in range(len(word) - 1) if word[i : i + 2] not in _COMMON_PAIRS)
    return 1 + (len(word) - 1) // _LETTERS_PER_TOKEN + uncommon


def _char_cost(char: str) -> int:
    """A non-ASCII character: one token per UTF-8 byte (rare characters fall back to byte tokens),
    counted after NFC normalisation too (tokenizers such as Qwen's normalise first, and a few
    characters, e.g. U+0F57, decompose into longer sequences)."""
    return max(len(char.encode("utf-8")), _nfc_bytes(char))


def _nfc_bytes(text: str) -> int:
    return len(unicodedata.normalize("NFC", text).encode("utf-8"))


def _piece_cost(piece: str, digits_per_token: int) -> int:
    last = piece[-1]
    if last.isascii():
        if last.isalpha():
            return _letters_cost(piece)
        if last.isdigit():
            return math.ceil(len(piece) / digits_per_token)
        if last in " \t\r\n":
            return 1 + len(piece) // 16
        if "!" <= last <= "~":
            return len(piece.lstrip(" "))
        return 1
    return _char_cost(piece)


_cost_digits_by_three = functools.lru_cache(maxsize=65536)(functools.partial(_piece_cost, digits_per_token=3))
_cost_digits_alone = functools.lru_cache(maxsize=65536)(functools.partial(_piece_cost, digits_per_token=1))


def _raw_bound(text: str, digits_per_token: int) -> int:
    cost = _cost_digits_by_three if digits_per_token == 3 else _cost_digits_alone
    return sum(map(cost, _PIECE.findall(text)))


# Lines are what packers count, over and over on every keystroke (the same lines around the
# cursor): their raw bounds are cached by content. Longer lines are rare and counted each time.
_CACHED_LINE_LENGTH = 1000
_line_bound_by_three = functools.lru_cache(maxsize=65536)(functools.partial(_raw_bound, digits_per_token=3))
_line_bound_alone = functools.lru_cache(maxsize=65536)(functools.partial(_raw_bound, digits_per_token=1))


def _line_raw_bound(line: str, digits_per_token: int) -> int:
    """The raw bound of one line (line break included), from the cache when the line is short."""
    if len(line) > _CACHED_LINE_LENGTH:
        return _raw_bound(line, digits_per_token)
    return (_line_bound_by_three if digits_per_token == 3 else _line_bound_alone)(line)


def _lines_raw_bound(text: str, digits_per_token: int) -> int:
    """The raw bound of `text` as the sum of its lines' bounds (each from the cache).

    Never below the whole text's raw bound: pieces never cross a line end except runs of line
    breaks and blanks, and a run cut in two costs at least as much as the whole run.
    """
    return sum(_line_raw_bound(line, digits_per_token) for line in text.splitlines(keepends=True))


def count_tokens(text: str, model: str | None = None) -> int:
    """An upper bound on the tokens ``text`` takes for ``model``'s tokenizer family (offline, fast).

    Short texts (lines, mostly: packers count line by line on every keystroke) are cached; longer
    texts are the sum of their lines' cached bounds (at least the whole text's bound).
    """
    if not text:
        return 0
    family = model_family(model)
    if len(text) <= _CACHED_LENGTH:
        return _count_short(text, family)
    return _count(text, family)


_CACHED_LENGTH = 400


def _count(text: str, family: Family) -> int:
    raw = _lines_raw_bound(text, _DIGITS_PER_TOKEN[family])
    bound = math.ceil(raw * _FAMILY_FACTOR[family]) + _SLACK
    size = len(text) if text.isascii() else max(len(text.encode("utf-8")), _nfc_bytes(text))
    return min(bound, size)


_count_short = functools.lru_cache(maxsize=32768)(_count)


def truncate_to_tokens(text: str, budget: int, model: str | None = None, keep: Literal["head", "tail"] = "head") -> str:
    """The longest head (or tail) of ``text``, cut at a line boundary when possible, within ``budget``.

    ``count_tokens`` of the result is at most ``budget``. Whole lines are kept when at least one fits;
    otherwise the cut falls inside the first (or last) line. Linear: pieces never cross line ends, so
    the bound of the kept lines is the sum of their bounds.
    """
    if budget <= 0 or not text:
        return ""
    family = model_family(model)
    factor = _FAMILY_FACTOR[family]
    lines = text.splitlines(keepends=True)
    if keep == "tail":
        lines.reverse()
    kept = 0
    raw_total = 0
    digits = _DIGITS_PER_TOKEN[family]
    for line in lines:
        raw_line = _line_raw_bound(line, digits)
        if math.ceil((raw_total + raw_line) * factor) + _SLACK > budget:
            break
        raw_total += raw_line
        kept += 1
    if kept == len(lines):
        return text
    if kept:
        chosen = lines[:kept]
        return "".join(reversed(chosen)) if keep == "tail" else "".join(chosen)
    return _truncate_chars(lines[0], budget, model, keep)


def _truncate_chars(line: str, budget: int, model: str | None, keep: Literal["head", "tail"]) -> str:
    """Binary search the longest head/tail of one line within the budget."""
    low, high = 0, len(line)
    while low < high:
        mid = (low + high + 1) // 2
        part = line[:mid] if keep == "head" else line[len(line) - mid :]
        if count_tokens(part, model) <= budget:
            low = mid
        else:
            high = mid - 1
    return line[:low] if keep == "head" else line[len(line) - low :]
