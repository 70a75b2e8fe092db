"""count_tokens is exact where the model's tokenizer ships offline, never undercounts elsewhere,
and stays a useful (not absurd) bound.

The reference tokenizers (o200k_base for GPT-4o/4.1/o-series/5, cl100k_base for GPT-4, Qwen3 for
Qwen models) come from the ``quicktok-v1`` package, which ships their vocabularies, so this runs
offline. The exact counters sum the counts of a text's lines: never under the whole text's count.
Claude's tokenizer is not public: for the Claude family we check the extra margin the module
documents (x1.2 over the largest of the three), and the bound itself on an unknown local model.
"""

from __future__ import annotations

import functools
import math
import random
import statistics
import string
from pathlib import Path
from typing import Any, Literal

import pytest
import quicktok
from hypothesis import given, settings
from hypothesis import strategies as st

from context.tokens import (
    _FAMILY_FACTOR,
    _cost_key,
    _line_raw_bound,
    _raw_limit,
    _slack,
    count_lines,
    count_tokens,
    model_family,
    truncate_counted,
    truncate_to_tokens,
)

REPO = Path(__file__).resolve().parents[2]
OPENAI_MODEL = "gpt-4o"
LOCAL_MODEL = "qwen2.5-coder:7b"
BOUND_MODEL = "deepseek-coder"  # a local model whose tokenizer is not bundled: the bound
CL100K_MODEL = "gpt-4"
CLAUDE_MODEL = "claude-sonnet-4-5"


@pytest.fixture(scope="module")
def encodings() -> dict[str, Any]:
    return _reference_encodings()


def _real(encodings: dict[str, Any], text: str) -> dict[str, int]:
    return {name: len(encoding.encode_ordinary(text)) for name, encoding in encodings.items()}


def _source_samples() -> dict[str, str]:
    """This project's own sources and docs (several languages), each capped at 20 KB."""
    paths = sorted(
        path
        for pattern in ("context/*.py", "server/**/*.py", "tools/*.py", "*.md", "editors/**/*.ts", "editors/**/*.lua")
        for path in REPO.glob(pattern)
        if "node_modules" not in path.parts
    )
    samples = {}
    for path in paths[:80]:
        text = path.read_text(encoding="utf-8", errors="replace")[:20_000]
        if text.strip():
            samples[path.relative_to(REPO).as_posix()] = text
    return samples


def _adversarial_samples() -> dict[str, str]:
    rng = random.Random(7)

    def rand(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    hexdigits = "0123456789abcdef"
    return {
        "random lower": rand(string.ascii_lowercase, 3000),
        "random upper": rand(string.ascii_uppercase, 3000),
        "random words": " ".join(rand(string.ascii_lowercase, rng.randint(1, 12)) for _ in range(400)),
        "base64": rand(string.ascii_letters + string.digits + "+/", 3000),
        "hex": rand(hexdigits, 3000),
        "uuids": "\n".join(f"{rand(hexdigits, 8)}-{rand(hexdigits, 4)}-{rand(hexdigits, 12)}" for _ in range(150)),
        "digits": rand(string.digits, 3000),
        "punctuation": rand(string.punctuation, 3000),
        "printable": rand(string.printable, 3000),
        "whitespace": "".join(rng.choice([" " * rng.randint(1, 40), "\t\t", "\n\n\n", "x = 1"]) for _ in range(600)),
        "cjk": "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(1500)),
        "cyrillic": " ".join(rand("абвгдежзийклмнопрстуфхцчшщыэюя", rng.randint(2, 10)) for _ in range(300)),
        "emoji": "".join(chr(rng.randint(0x1F300, 0x1F6FF)) for _ in range(600)),
        "symbols": "".join(chr(rng.randint(0xA0, 0x2FFF)) for _ in range(1500)),
        "minified": "".join(
            rng.choice(["function(", "){return ", "a", "b.c", "=>", ";", "var ", "[0]", "!==", "null", "1e3"])
            for _ in range(2000)
        ),
    }


SAMPLES = {**_source_samples(), **_adversarial_samples()}


def test_there_are_enough_source_samples() -> None:
    assert len(_source_samples()) >= 15


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_never_undercounts(encodings: dict[str, Any], name: str) -> None:
    text = SAMPLES[name]
    real = _real(encodings, text)
    assert count_tokens(text, OPENAI_MODEL) >= real["o200k_base"]
    assert count_tokens(text, CL100K_MODEL) >= real["cl100k_base"]
    assert count_tokens(text, LOCAL_MODEL) >= real["qwen3"]
    assert count_tokens(text, BOUND_MODEL) >= max(real.values())
    claude_floor = min(len(text.encode("utf-8")), int(1.2 * max(real.values())))
    assert count_tokens(text, CLAUDE_MODEL) >= claude_floor


@pytest.mark.parametrize("name", sorted(_source_samples()))
def test_exact_counts_are_exact_on_code(encodings: dict[str, Any], name: str) -> None:
    """On source code the sum of the lines' counts is the whole text's count, or a few more (a run
    of blank lines is one token whole and one per line apart)."""
    text = SAMPLES[name]
    real = _real(encodings, text)
    for model, encoding in ((OPENAI_MODEL, "o200k_base"), (LOCAL_MODEL, "qwen3")):
        assert real[encoding] <= count_tokens(text, model) <= real[encoding] * 1.06 + 2


def test_overcount_on_code_stays_moderate(encodings: dict[str, Any]) -> None:
    """A bound that is too loose wastes the budget: the median on our sources is under 1.8x o200k."""
    ratios = []
    for text in _source_samples().values():
        real = _real(encodings, text)["o200k_base"]
        if real >= 200:
            ratios.append(count_tokens(text, OPENAI_MODEL) / real)
    assert len(ratios) >= 10
    assert 1.0 <= statistics.median(ratios) <= 1.8


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.one_of(
            st.sampled_from(string.printable),
            st.characters(min_codepoint=0xA0, max_codepoint=0x2FFF),
            st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF),
        ),
        max_size=60,
    )
)
def test_short_texts_never_undercount(text: str) -> None:
    encodings = _reference_encodings()
    real = _real(encodings, text)
    assert count_tokens(text, OPENAI_MODEL) >= real["o200k_base"]
    assert count_tokens(text, CL100K_MODEL) >= real["cl100k_base"]
    assert count_tokens(text, LOCAL_MODEL) >= real["qwen3"]
    assert count_tokens(text, BOUND_MODEL) >= max(real.values())


@functools.cache
def _reference_encodings() -> dict[str, Any]:
    return {name: quicktok.get_encoding(name) for name in ("o200k_base", "cl100k_base", "qwen3")}


def test_empty_and_byte_cap() -> None:
    assert count_tokens("") == 0
    assert count_tokens("a") == 1
    assert count_tokens("ab", CLAUDE_MODEL) <= 2
    text = "def f():\n    return 1\n"
    assert count_tokens(text, CLAUDE_MODEL) >= count_tokens(text, OPENAI_MODEL)


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-image-1", "openai"),
        ("claude-sonnet-4-5", "anthropic"),
        ("qwen2.5-coder:7b", "qwen3"),
        ("meta-llama/Llama-3.1-8B", "llama3"),
        ("deepseek-coder", "local"),
        (None, "anthropic"),
        ("something-new", "anthropic"),
    ],
)
def test_model_family(model: str | None, family: str) -> None:
    assert model_family(model) == family


CODE = "".join(f"def function_{i}(value):\n    return value * {i}  # line {i}\n" for i in range(200))


@pytest.mark.parametrize("model", [OPENAI_MODEL, CLAUDE_MODEL, LOCAL_MODEL])
def test_truncate_head_keeps_whole_lines_within_budget(model: str) -> None:
    cut = truncate_to_tokens(CODE, 300, model, keep="head")
    assert count_tokens(cut, model) <= 300
    assert CODE.startswith(cut)
    assert cut.endswith("\n")
    next_line = CODE[len(cut) :].splitlines(keepends=True)[0]
    assert count_tokens(cut + next_line, model) > 300


@pytest.mark.parametrize("model", [OPENAI_MODEL, CLAUDE_MODEL, LOCAL_MODEL])
def test_truncate_tail_keeps_the_end(model: str) -> None:
    cut = truncate_to_tokens(CODE, 300, model, keep="tail")
    assert count_tokens(cut, model) <= 300
    assert CODE.endswith(cut)
    assert cut.startswith(("def ", "    return"))
    previous_line = CODE[: len(CODE) - len(cut)].splitlines(keepends=True)[-1]
    assert count_tokens(previous_line + cut, model) > 300


def test_truncate_inside_one_long_line() -> None:
    line = "x = [" + ", ".join(str(i) for i in range(2000)) + "]"
    head = truncate_to_tokens(line, 50, OPENAI_MODEL, keep="head")
    tail = truncate_to_tokens(line, 50, OPENAI_MODEL, keep="tail")
    assert line.startswith(head) and head
    assert line.endswith(tail) and tail
    assert count_tokens(head, OPENAI_MODEL) <= 50
    assert count_tokens(tail, OPENAI_MODEL) <= 50
    assert count_tokens(line[: len(head) + 1], OPENAI_MODEL) > 50


def test_truncate_edge_cases() -> None:
    assert truncate_to_tokens(CODE, 0) == ""
    assert truncate_to_tokens("", 10) == ""
    assert truncate_to_tokens("short\n", 100) == "short\n"


# -- truncation reads only what can fit: the same result as reading every line ----------------------


def reference_truncate(text: str, budget: int, model: str | None, keep: Literal["head", "tail"]) -> str:
    """truncate_to_tokens as it was before it bounded its reading (no caches): split the whole text,
    add up every line's raw bound from the kept end until one does not fit."""
    if budget <= 0 or not text:
        return ""
    family = model_family(model)
    lines = text.splitlines(keepends=True)
    if keep == "tail":
        lines.reverse()
    kept = 0
    raw_total = 0
    for line in lines:
        raw_line = _line_raw_bound(line, _cost_key(family))
        if math.ceil((raw_total + raw_line) * _FAMILY_FACTOR[family]) + _slack(family) > budget:
            break
        raw_total += raw_line
        kept += 1
    if kept == len(lines):
        return text
    if kept:
        chosen = lines[:kept]
        return "".join(reversed(chosen)) if keep == "tail" else "".join(chosen)
    line = lines[0]
    low, high = 0, len(line)
    while low < high:
        mid = (low + high + 1) // 2
        part = line[:mid] if keep == "head" else line[len(line) - mid :]
        if count_tokens(part, model) <= budget:
            low = mid
        else:
            high = mid - 1
    return line[:low] if keep == "head" else line[len(line) - low :]


# Line breaks of every kind str.splitlines knows, blanks, letters, digits, punctuation, non-ASCII.
_PIECES = st.sampled_from(
    ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", " ", "    ", "\t", " " * 40, "a", "Zq", "word",
     "x" * 30, "7", "12345", "(", "=>", "é", "语", "🙂", "e\u0301"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(_PIECES, max_size=200).map("".join),
    st.integers(-1, 120),
    st.sampled_from([OPENAI_MODEL, CLAUDE_MODEL, LOCAL_MODEL]),
    st.sampled_from(["head", "tail"]),
)
def test_truncate_reads_only_what_can_fit_and_gives_the_reference_result(
    text: str, budget: int, model: str, keep: Literal["head", "tail"]
) -> None:
    cut, count = truncate_counted(text, budget, model, keep)
    assert cut == reference_truncate(text, budget, model, keep)
    assert count == count_tokens(cut, model) <= max(budget, 0)


@pytest.mark.parametrize("keep", ["head", "tail"])
@pytest.mark.parametrize("budget", [1, 2, 3, 10, 40, 300])
def test_truncating_a_long_text_matches_the_reference(budget: int, keep: Literal["head", "tail"]) -> None:
    """Texts far longer than 16 characters per token of budget, so the bounded read cuts them."""
    blanks = "\n".join(" " * (i % 70) + "x" for i in range(400))  # the cheapest characters per token
    for text in (CODE, blanks, CODE.replace("\n", "\r\n"), "word " * 5000):
        for model in (OPENAI_MODEL, CLAUDE_MODEL):
            assert truncate_to_tokens(text, budget, model, keep) == reference_truncate(text, budget, model, keep)


@pytest.mark.parametrize("budget", range(60))
@pytest.mark.parametrize("model", [OPENAI_MODEL, CLAUDE_MODEL])
def test_raw_limit_is_the_largest_raw_bound_that_fits(budget: int, model: str) -> None:
    family = model_family(model)
    limit = _raw_limit(budget, family)
    factor = 1.25 if family == "anthropic" else 1.0
    slack = 0 if model == OPENAI_MODEL else 2  # an exact count needs no slack
    assert limit == max([-1, *(raw for raw in range(100) if math.ceil(raw * factor) + slack <= budget)])


def test_count_lines_is_the_sum_of_each_line_with_its_break() -> None:
    lines = [*CODE.splitlines()[:50], "", "x" * 900, "é語🙂"]
    for model in (OPENAI_MODEL, CLAUDE_MODEL, LOCAL_MODEL, None):
        assert count_lines(lines, model) == sum(count_tokens(line + "\n", model) for line in lines)
    assert count_lines([], OPENAI_MODEL) == 0
