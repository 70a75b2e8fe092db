"""Offline token counting that never undercounts, so a hard token budget stays hard.

No tokenizer files are needed at run time. ``count_tokens`` is an upper bound built the way byte-level
BPE tokenizers (GPT-4o's o200k, GPT-4's cl100k, Claude's, Qwen's and Llama's) work:

1. Text is first split into pre-tokens, and no token ever crosses a pre-token boundary. Our splitter
   cuts at least as finely as those tokenizers' own pre-tokenizers: letter runs (split again at
   lower-to-upper case changes, as o200k does), digit runs in groups of at most three, punctuation
   runs, whitespace runs, and every non-ASCII character on its own. A finer split can only raise the
   count, so each piece costs at least one token.
2. Inside a piece, a token covers at least one byte, and in practice several: a piece of ``n`` bytes
   costs ``ceil(n / r)`` tokens for a ratio ``r`` per kind of piece (see ``_RATIO_*``), never less than
   one. Non-ASCII characters cost one token per UTF-8 byte beyond the first.
3. A family factor scales the sum for tokenizers known to be less efficient than OpenAI's (Claude's
   vocabulary is smaller: its counts run higher than o200k's on the same text).

The ratios were calibrated against the real o200k_base, cl100k_base and Qwen3 tokenizers (via the
``quicktok-v1`` package, used by the tests only) on this project's sources, Python library sources,
prose, JSON, minified and random text. ``tests/context/test_tokens.py`` checks the bound on every
sample and reports the overcount: on code it is about 1.5x to 2x of o200k, the price of a hard bound.
"""

from __future__ import annotations

import math
import re
from typing import Literal

# Pieces, finest first. Letters: an optional capitalised head then lower-case letters, or an
# upper-case run (not followed by a lower-case letter). Digits: groups of up to three.
_PIECE = re.compile(
    r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[A-Z]"  # ASCII letter runs, split at case changes
    r"|[0-9]{1,3}"  # digits
    r"|[ \t]+|\r?\n|\r"  # horizontal whitespace runs; each newline separately
    r"|[!-/:-@\[-`{-~]+"  # ASCII punctuation runs
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # control characters
    r"|[^\x00-\x7f]"  # any other character, alone
)

# Bytes per token that a piece of each kind never beats (calibrated; see the module docstring).
_RATIO_LETTERS = 3.0
_RATIO_SPACES = 4.0
_RATIO_PUNCT = 1.0

# Tokenizer families and how much their counts can exceed the bound built from OpenAI's ratios.
Family = Literal["openai", "anthropic", "local"]
_FAMILY_FACTOR: dict[Family, float] = {"openai": 1.0, "anthropic": 1.25, "local": 1.15}


def model_family(model: str | None) -> Family:
    """Which tokenizer family a model name belongs to; unknown and missing names get the safest."""
    name = (model or "").lower()
    if name.startswith(("gpt-", "o1", "o3", "o4", "chatgpt", "text-embedding", "gpt")) or "openai" in name:
        return "openai"
    if name.startswith(("qwen", "llama", "codellama", "deepseek", "mistral", "codestral", "starcoder", "gemma")):
        return "local"
    return "anthropic"


def _piece_cost(piece: str) -> int:
    first = piece[0]
    if first.isascii():
        if first.isalpha():
            return math.ceil(len(piece) / _RATIO_LETTERS)
        if first in " \t":
            return math.ceil(len(piece) / _RATIO_SPACES)
        if first.isdigit() or first in "\r\n":
            return 1
        return math.ceil(len(piece) / _RATIO_PUNCT)
    return max(1, len(first.encode("utf-8")) - 1)


def _openai_bound(text: str) -> int:
    return sum(_piece_cost(m.group()) for m in _PIECE.finditer(text))


def count_tokens(text: str, model: str | None = None) -> int:
    """An upper bound on the tokens ``text`` takes for ``model``'s tokenizer family (offline, fast)."""
    if not text:
        return 0
    bound = _openai_bound(text)
    return math.ceil(bound * _FAMILY_FACTOR[model_family(model)])


def truncate_to_tokens(text: str, budget: int, model: str | None = None, keep: Literal["head", "tail"] = "head") -> str:
    """The longest head (or tail) of ``text``, cut at a line boundary when possible, within ``budget``.

    ``count_tokens`` of the result is at most ``budget``. Whole lines are kept when at least one fits;
    otherwise the cut falls inside the first (or last) line. Linear: pieces never cross line ends, so
    the bound of the kept lines is the sum of their bounds.
    """
    if budget <= 0 or not text:
        return ""
    if count_tokens(text, model) <= budget:
        return text
    factor = _FAMILY_FACTOR[model_family(model)]
    lines = text.splitlines(keepends=True)
    if keep == "tail":
        lines.reverse()
    kept = 0
    raw_total = 0
    for line in lines:
        raw_line = _openai_bound(line)
        if math.ceil((raw_total + raw_line) * factor) > budget:
            break
        raw_total += raw_line
        kept += 1
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
