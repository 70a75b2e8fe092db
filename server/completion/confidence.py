"""How sure a suggestion is: a score in [0, 1] for inline completions and next-edit predictions.

Where the provider returned token log-probabilities (OpenAI-compatible servers: llama.cpp, vLLM,
Ollama), the score is the geometric mean of the token probabilities, ``exp(mean(logprob))``.
Otherwise it starts from ``BASE`` (no evidence either way). Either way, cheap signals that a
suggestion is wrong multiply it down:

- ``repeats_suffix``: the suggestion ends with (or is) the text already after the cursor;
- ``ends_mid_token``: it ends inside a word that the text after the cursor continues, or it was
  cut by the length limit in the middle of one;
- ``cut_by_length``: the model hit ``max_tokens`` (the suggestion is probably unfinished);
- ``syntax_error``: it introduces syntax errors the document did not have.

:func:`suggestion_confidence` is the one entry point; it is pure and cheap (no I/O, no parsing:
the caller says whether the syntax tree disagrees), so next-edit predictions call it too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

BASE = 0.6
PENALTIES: dict[str, float] = {
    "repeats_suffix": 0.2,
    "ends_mid_token": 0.5,
    "cut_by_length": 0.6,
    "syntax_error": 0.1,
}
BANDS: tuple[tuple[float, str], ...] = ((0.2, "0.0-0.2"), (0.4, "0.2-0.4"), (0.6, "0.4-0.6"), (0.8, "0.6-0.8"))


@dataclass(frozen=True, slots=True)
class Confidence:
    score: float  # 0..1
    source: Literal["logprobs", "signals"]
    signals: tuple[str, ...] = ()  # the penalties applied, in PENALTIES order

    @property
    def band(self) -> str:
        return confidence_band(self.score)


def confidence_band(score: float) -> str:
    """The band a score falls in, for acceptance statistics ("0.0-0.2" ... "0.8-1.0")."""
    for upper, name in BANDS:
        if score < upper:
            return name
    return "0.8-1.0"


def logprob_score(logprobs: Sequence[float]) -> float:
    """Geometric mean token probability."""
    return math.exp(sum(logprobs) / len(logprobs))


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _repeats_suffix(text: str, suffix: str) -> bool:
    ahead = suffix.lstrip()
    said = text.rstrip()
    if not ahead or not said:
        return False
    first_line = ahead.split("\n", 1)[0].strip()
    last_line = said.rsplit("\n", 1)[-1].strip()
    return ahead.startswith(said.lstrip()) or (len(first_line) >= 3 and last_line == first_line)


def _ends_mid_token(text: str, suffix: str, cut_by_length: bool) -> bool:
    if not text or not _is_word(text[-1]):
        return False
    return cut_by_length or (bool(suffix) and _is_word(suffix[0]))


def suggestion_confidence(
    text: str,
    *,
    suffix: str = "",
    logprobs: Sequence[float] | None = None,
    cut_by_length: bool = False,
    syntax_error: bool = False,
) -> Confidence:
    """The confidence of `text` inserted before `suffix` (see the module doc)."""
    found = {
        "repeats_suffix": _repeats_suffix(text, suffix),
        "ends_mid_token": _ends_mid_token(text, suffix, cut_by_length),
        "cut_by_length": cut_by_length,
        "syntax_error": syntax_error,
    }
    signals = tuple(name for name in PENALTIES if found[name])
    source: Literal["logprobs", "signals"] = "logprobs" if logprobs else "signals"
    score = logprob_score(logprobs) if logprobs else BASE
    for name in signals:
        score *= PENALTIES[name]
    return Confidence(round(min(1.0, max(0.0, score)), 4), source, signals)
