"""Offline token counting: exact where the model's tokenizer ships offline, else a bound that
never undercounts, so a hard token budget stays hard.

Exact counters (``quicktok-v1`` ships the vocabularies: nothing is downloaded at run time): o200k_base
for GPT-4o, 4.1, 4.5, 5 and the o-series, cl100k_base for GPT-4 and 3.5, the Qwen3 vocabulary for
Qwen 2, 2.5 and 3, Llama 3's for Llama 3 (:func:`counter_name` says which one a model gets). A
text's exact count is the sum of its lines' counts (each line with its line break): a tokenizer's
pre-tokenizer splits at line breaks except inside runs of whitespace and punctuation followed by
line breaks, and a run cut in two never takes fewer tokens than whole (``tests/context/test_tokens.py``
checks the sum against the whole text on real sources); this keeps counts additive, which the
packers rely on. Lines are counted once and cached.

Everywhere else (Claude, whose tokenizer is not public, and unknown models) ``count_tokens`` is an
upper bound built the way byte-level BPE tokenizers (GPT-4o's o200k, GPT-4's cl100k, Qwen's,
Llama's, Claude's) work:

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

import bisect
import functools
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable
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
Family = Literal["openai", "anthropic", "local", "o200k_base", "cl100k_base", "qwen3", "llama3"]
Exact = Literal["o200k_base", "cl100k_base", "qwen3", "llama3"]
_EXACT: tuple[Exact, ...] = ("o200k_base", "cl100k_base", "qwen3", "llama3")
_FAMILY_FACTOR: dict[Family, float] = {"openai": 1.0, "anthropic": 1.25, "local": 1.0}
# Added once per text: a short text has too few pieces for the per-piece margins to add up.
_SLACK = 2
_DIGITS_PER_TOKEN: dict[Family, int] = {"openai": 3, "anthropic": 1, "local": 1}
for _exact in _EXACT:  # an exact count needs neither factor nor slack
    _FAMILY_FACTOR[_exact] = 1.0
_CL100K_PREFIXES = ("gpt-4-", "gpt-4:", "gpt-3.5", "text-embedding-ada", "text-embedding-3")


def _exact_encoding(name: str) -> Exact | None:
    """The offline tokenizer of a (lower-case, prefix-free) model name, if one is known."""
    if name == "gpt-4" or name.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    if name.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "o1", "o3", "o4", "chatgpt", "codex")):
        return "o200k_base"
    if name.startswith(("qwen2", "qwen3")):  # one vocabulary since Qwen2 (Qwen3's is a superset)
        return "qwen3"
    if name.startswith(("llama-3", "llama3", "meta-llama-3")):
        return "llama3"
    return None


@functools.lru_cache(maxsize=256)
def model_family(model: str | None) -> Family:
    """Which tokenizer a model name uses: an exact one when it ships offline (and ``quicktok`` is
    installed), else the family of the bound; unknown and missing names get the safest."""
    name = (model or "").lower().rpartition("/")[2]
    exact = _exact_encoding(name)
    if exact is not None and _encoder(exact) is not None:
        return exact
    if name.startswith(("gpt", "o1", "o3", "o4", "chatgpt", "text-embedding", "codex")):
        return "openai"
    if name.startswith(("qwen", "llama", "codellama", "deepseek", "mistral", "codestral", "starcoder", "gemma")):
        return "local"
    return "anthropic"


def counter_name(model: str | None) -> str:
    """What counts tokens for `model`, for people: ``o200k_base (exact)`` or ``bound (anthropic)``."""
    family = model_family(model)
    return f"{family} (exact)" if family in _EXACT else f"bound ({family}, never under)"


@functools.cache
def _encoder(name: Exact) -> Callable[[str], int] | None:
    """``len(encode(text))`` of a bundled tokenizer (loaded once, on first use), or None."""
    try:
        import quicktok
    except ImportError:
        return None
    try:
        encoding = quicktok.get_encoding(name)
    except (RuntimeError, KeyError, OSError):
        return None
    encode = encoding.encode
    return lambda text: len(encode(text))


def _is_exact(family: Family) -> bool:
    return family in _EXACT


def _slack(family: Family) -> int:
    return 0 if family in _EXACT else _SLACK


def _cost_key(family: Family) -> int | str:
    """Which line-cost table a family reads: a digit rule (the bound) or an encoding (exact)."""
    return family if family in _EXACT else _DIGITS_PER_TOKEN[family]


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


class _PieceCosts(dict[str, int]):
    """Piece -> cost under one digit rule, filled as pieces are met (``sum(map(costs.__getitem__,
    pieces))`` runs in C for the pieces already seen); emptied when it passes a cap."""

    def __init__(self, digits_per_token: int) -> None:
        super().__init__()
        self.digits_per_token = digits_per_token

    def __missing__(self, piece: str) -> int:
        cost = _piece_cost(piece, self.digits_per_token)
        if len(self) >= _PIECE_CACHE_SIZE:
            self.clear()
        self[piece] = cost
        return cost


_PIECE_CACHE_SIZE = 65536
_piece_costs = {3: _PieceCosts(3), 1: _PieceCosts(1)}


def _raw_bound(text: str, digits_per_token: int) -> int:
    return sum(map(_piece_costs[digits_per_token].__getitem__, _PIECE.findall(text)))


# Lines are what packers count, over and over on every keystroke (the same lines around the
# cursor): their raw bounds are cached by content, one dict per digit rule, read in C
# (``map(costs.__getitem__, lines)``). Longer lines are rare and counted each time. A full cache is
# emptied (the lines near the cursor come back at once).
_CACHED_LINE_LENGTH = 1000
_LINE_CACHE_SIZE = 65536


class _LineCosts(dict[str, int]):
    """Line -> raw bound under one digit rule, filled as lines are met (lines over 1000 characters
    are counted each time, not kept)."""

    def __init__(self, digits_per_token: int) -> None:
        super().__init__()
        self.digits_per_token = digits_per_token

    def __missing__(self, line: str) -> int:
        cost = _raw_bound(line, self.digits_per_token)
        if len(line) <= _CACHED_LINE_LENGTH:
            if len(self) >= _LINE_CACHE_SIZE:
                self.clear()
            self[line] = cost
        return cost


class _ExactLineCosts(dict[str, int]):
    """Line -> exact token count under one bundled tokenizer, filled as lines are met."""

    def __init__(self, encoding: Exact) -> None:
        super().__init__()
        self.encoding = encoding

    def __missing__(self, line: str) -> int:
        count = _encoder(self.encoding)
        cost = count(line) if count is not None else _raw_bound(line, 1)
        if len(line) <= _CACHED_LINE_LENGTH:
            if len(self) >= _LINE_CACHE_SIZE:
                self.clear()
            self[line] = cost
        return cost


_line_costs: dict[int | str, dict[str, int]] = {3: _LineCosts(3), 1: _LineCosts(1)}
for _exact in _EXACT:
    _line_costs[_exact] = _ExactLineCosts(_exact)


def _line_raw_bound(line: str, digits_per_token: int | str) -> int:
    """The raw bound of one line (line break included), from the cache when the line is short."""
    return _line_costs[digits_per_token][line]


def _lines_raw_bound(text: str, digits_per_token: int | str) -> int:
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


def count_lines(lines: Iterable[str], model: str | None = None) -> int:
    """``sum(count_tokens(line + "\\n", model) for line in lines)``, the family looked up once."""
    family = model_family(model)
    total = 0
    for line in lines:
        text = line + "\n"
        total += _count_short(text, family) if len(text) <= _CACHED_LENGTH else _count(text, family)
    return total


def _count(text: str, family: Family) -> int:
    raw = _lines_raw_bound(text, _cost_key(family))
    bound = math.ceil(raw * _FAMILY_FACTOR[family]) + _slack(family)
    size = len(text) if text.isascii() else max(len(text.encode("utf-8")), _nfc_bytes(text))
    return min(bound, size)


_count_short = functools.lru_cache(maxsize=32768)(_count)


def truncate_to_tokens(text: str, budget: int, model: str | None = None, keep: Literal["head", "tail"] = "head") -> str:
    """The longest head (or tail) of ``text``, cut at a line boundary when possible, within ``budget``.

    ``count_tokens`` of the result is at most ``budget``. Whole lines are kept when at least one fits;
    otherwise the cut falls inside the first (or last) line. Linear in what is kept, not in the
    text: pieces never cross line ends, so the bound of the kept lines is the sum of their bounds,
    and only the lines that can fit are read (see :func:`_fitting_part`).
    """
    return truncate_counted(text, budget, model, keep)[0]


def truncate_counted(
    text: str, budget: int, model: str | None = None, keep: Literal["head", "tail"] = "head"
) -> tuple[str, int]:
    """:func:`truncate_to_tokens` and ``count_tokens`` of its result, at the price of the first."""
    if budget <= 0 or not text:
        return "", 0
    family = model_family(model)
    part = _fitting_part(text, budget, keep, _is_exact(family))
    lines = part.splitlines(keepends=True)
    kept, raw_total = _fitting_lines(
        lines if keep == "head" else lines[::-1], _raw_limit(budget, family), _cost_key(family)
    )
    if kept == len(lines):
        result = text  # `part` is all of `text` (see _fitting_part)
    elif kept:
        result = "".join(lines[len(lines) - kept :] if keep == "tail" else lines[:kept])
    else:
        cut = _truncate_chars(lines[-1] if keep == "tail" else lines[0], budget, model, keep)
        return cut, count_tokens(cut, model)
    size = len(result) if result.isascii() else max(len(result.encode("utf-8")), _nfc_bytes(result))
    return result, min(math.ceil(raw_total * _FAMILY_FACTOR[family]) + _slack(family), size)


def _fitting_lines(lines: list[str], limit: int, digits_per_token: int | str) -> tuple[int, int]:
    """How many of `lines`, from the first, fit under a raw bound of `limit`, and their raw bound.

    Read in chunks that double (32 lines, 64, ...): each chunk's bounds are summed in C and the
    cut found by bisection; at most one chunk is read past the cut.
    """
    get = _line_costs[digits_per_token].__getitem__
    total = 0
    done = 0
    size = 32
    while done < len(lines):
        sums = list(itertools.accumulate(map(get, lines[done : done + size]), initial=total))
        fit = bisect.bisect_right(sums, limit, 1) - 1  # sums[0] == total <= limit
        if fit < len(sums) - 1:
            return done + fit, sums[fit]
        done += fit
        total = sums[-1]
        size *= 2
    return done, total


# No piece costs less than one token per this many characters (a run of 16 blanks costs 2, a
# letter run one per 7 or better, digits one per 3, anything else at least one per character).
_MAX_CHARS_PER_TOKEN = 16
# A real tokenizer's longest token (long runs of blanks or of one punctuation mark) is far shorter.
_MAX_CHARS_PER_EXACT_TOKEN = 1024


def _fitting_part(text: str, budget: int, keep: Literal["head", "tail"], exact: bool = False) -> str:
    """The whole lines at the head (tail) of `text` that can hold every line a truncation to `budget`
    keeps plus the first line it drops, or all of `text`.

    Kept lines cost at most ``budget - 2`` raw tokens, so they hold fewer than
    ``16 * budget`` characters: a part of whole lines longer than that cannot fit whole, so the
    first line that does not fit lies inside it, and cutting there gives the same result.
    """
    reach = (_MAX_CHARS_PER_EXACT_TOKEN if exact else _MAX_CHARS_PER_TOKEN) * budget
    if len(text) <= reach:
        return text
    if keep == "head":
        end = text.find("\n", reach)
        return text if end == -1 else text[: end + 1]
    return text[text.rfind("\n", 0, len(text) - reach) + 1 :]


@functools.lru_cache(maxsize=4096)
def _raw_limit(budget: int, family: Family) -> int:
    """The largest raw bound whose count fits in `budget` (-1 if none): ``ceil(raw * factor) + 2``."""
    factor, slack = _FAMILY_FACTOR[family], _slack(family)
    raw = max(-1, math.floor((budget - slack) / factor))
    while math.ceil((raw + 1) * factor) + slack <= budget:
        raw += 1
    while raw >= 0 and math.ceil(raw * factor) + slack > budget:
        raw -= 1
    return raw


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
