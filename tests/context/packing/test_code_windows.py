"""Code windows around the cursor: budgets, growth, redaction across the cut (context/packing/code_windows.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from context.packing.code_windows import (
    FIRST_GUESS_CHARS_PER_TOKEN,
    _line_end_after,
    _line_start_before,
    _redacted_halves,
    _widen_for_key_blocks,
    code_windows,
    counted_code_windows,
    redact_region,
)
from context.safety.secrets import MARKER, redact_with_count
from context.tokens import count_tokens, truncate_to_tokens

KEY_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
    "q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6j7k8l9z0x1c2v3b4n5m6",
]
PEM = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(KEY_BODY * 20) + "\n-----END PRIVATE KEY-----\n"


def test_windows_fill_budget_from_far_away_text() -> None:
    text = "".join(f"value_{i} = compute({i})\n" for i in range(3000))
    offset = text.index("value_1500")
    prefix, suffix, masked = code_windows(text, offset, 500, 200)
    assert masked == 0
    assert count_tokens(prefix) <= 500 and count_tokens(suffix) <= 200
    assert count_tokens(prefix) > 400, "the budget should be nearly filled (whole lines)"
    assert text[:offset].endswith(prefix) and text[offset:].startswith(suffix)


def test_small_file_is_shown_whole() -> None:
    text = "a = 1\nb = 2\n"
    assert code_windows(text, 6, 1000, 1000) == ("a = 1\n", "b = 2\n", 0)


def test_key_block_cut_by_the_window_is_still_redacted() -> None:
    text = "x = 1\n" + PEM + "".join(f"line_{i} = {i}\n" for i in range(5))
    offset = len(text) - 1
    prefix, _, masked = code_windows(text, offset, 300, 10)
    assert masked >= 1
    assert all(part not in prefix for part in KEY_BODY)


def test_cursor_inside_a_key_block_leaks_nothing() -> None:
    text = "x = 1\n" + PEM + "y = 2\n"
    offset = text.index(KEY_BODY[1]) + 10
    prefix, suffix, _ = code_windows(text, offset, 2000, 2000)
    shown = prefix + suffix
    assert all(part[:12] not in shown for part in KEY_BODY)


def test_cursor_on_a_secret_token_leaks_neither_half() -> None:
    secret = "sk-ant-api03-" + "Zx8Kq2Lm" * 6
    text = f'client = make("{secret}")\n'
    offset = text.index(secret) + 20
    prefix, suffix, masked = code_windows(text, offset, 200, 200)
    assert masked == 1
    assert secret[:16] not in prefix + suffix and secret[20:36] not in prefix + suffix


def test_unredacted_windows_are_exact_slices() -> None:
    secret = "sk-ant-api03-" + "Zx8Kq2Lm" * 6
    text = f"key = '{secret}'\n"
    prefix, suffix, masked = code_windows(text, 3, 100, 100, redact=False)
    assert (prefix, suffix, masked) == ("key", text[3:], 0)


# -- the counted windows are the windows as they were first written ----------------------------------


def reference_windows(
    text: str, offset: int, prefix_tokens: int, suffix_tokens: int, model: str
) -> tuple[str, str, int]:
    """code_windows before it skipped work: both sides cut at every growth step, and cut again after
    redaction whatever redaction did."""
    offset = max(0, min(offset, len(text)))
    before = max(prefix_tokens * FIRST_GUESS_CHARS_PER_TOKEN, 256)
    after = max(suffix_tokens * FIRST_GUESS_CHARS_PER_TOKEN, 256)
    while True:
        start = _line_start_before(text, offset - before)
        end = _line_end_after(text, offset + after)
        region = text[start:end]
        prefix = truncate_to_tokens(region[: offset - start], prefix_tokens, model, keep="tail")
        suffix = truncate_to_tokens(region[offset - start :], suffix_tokens, model, keep="head")
        more_before = prefix_tokens > 0 and start > 0 and len(prefix) == offset - start
        more_after = suffix_tokens > 0 and end < len(text) and len(suffix) == end - offset
        if not (more_before or more_after):
            break
        before *= 2 if more_before else 1
        after *= 2 if more_after else 1
    start, end = _line_start_before(text, offset - len(prefix)), _line_end_after(text, offset + len(suffix))
    start, end = _widen_for_key_blocks(text, start, end)
    whole_prefix, whole_suffix, count = _redacted_halves(text[start:end], offset - start)
    return (
        truncate_to_tokens(whole_prefix, prefix_tokens, model, keep="tail"),
        truncate_to_tokens(whole_suffix, suffix_tokens, model, keep="head"),
        count,
    )


def _texts() -> list[str]:
    code = "".join(f"def f_{i}(x):\n    return x * {i}  # {'é' * (i % 3)}\n" for i in range(400))
    secrets = code.replace("return x * 7 ", 'password = "hunter2x9!"; return 7 ').replace(
        "def f_300(", PEM + "def f_300("
    )
    long_lines = "\n".join("y = [" + ", ".join(str(j) for j in range(i * 40)) + "]" for i in range(30))
    odd_breaks = code.replace("\n", "\r\n", 50).replace("# ", "#\x0c", 40).replace("return", "\rreturn", 30)
    return [code, secrets, long_lines, odd_breaks, "", "x"]


@pytest.mark.parametrize("model", ["qwen2.5-coder:7b", "claude-sonnet-4-5"])
@pytest.mark.parametrize(("prefix_tokens", "suffix_tokens"), [(1500, 500), (120, 40), (0, 30), (30, 0), (3, 2)])
def test_counted_windows_match_the_reference(model: str, prefix_tokens: int, suffix_tokens: int) -> None:
    for text in _texts():
        for offset in range(0, len(text) + 2, max(1, len(text) // 37)):
            windows = counted_code_windows(text, offset, prefix_tokens, suffix_tokens, model)
            expected = reference_windows(text, offset, prefix_tokens, suffix_tokens, model)
            assert (windows.prefix, windows.suffix, windows.masked) == expected, (offset, text[:30])
            assert windows.prefix_tokens == count_tokens(windows.prefix, model)
            assert windows.suffix_tokens == count_tokens(windows.suffix, model)


def test_the_reference_comparison_meets_secrets() -> None:
    """The comparison above goes through the path where redaction changes the text."""
    text = _texts()[1]
    for near in ("def f_301(", "def f_8("):  # after the key block, after the password
        assert counted_code_windows(text, text.index(near), 1500, 500, "qwen2.5-coder:7b").masked == 1


def _secret_lines() -> list[str]:
    from tests.context.safety import test_secrets

    lines = [*test_secrets.SEEDED.split("\n"), *test_secrets.ORDINARY_CODE.split("\n")]
    lines += [seed for seed in test_secrets.SEEDS if isinstance(seed, str)]
    triple = ['password = """', "token: str = '''", '"""', "'''", "  s3cr3t-Value-42", 'doc = """']  # across lines
    return [*lines, *triple, "x = '«redacted»'", 'password = "«redacted»"', "İstanbul token = 'a1b2c3d4e5f6'", "\r", ""]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_secret_lines()), max_size=40))
def test_a_region_redacts_line_by_line_as_it_does_whole(lines: list[str]) -> None:
    region = "\n".join(lines)
    assert redact_region(region) == redact_with_count(region)
    assert redact_region(region) == redact_with_count(region)  # again, from the cache


def test_line_by_line_redaction_meets_secrets() -> None:
    region = "\n".join(_secret_lines())
    clean, count = redact_region(region)
    assert count >= 20 and clean != region


SECRET_LINES = [f"    Zq{i}x-secret-part-{i * 7919}" for i in range(40)]
SECRET_STRING = 'SERVICE_PASSWORD = """\n' + "\n".join(SECRET_LINES) + '\n"""\n'


@pytest.mark.parametrize("where", ["after", "inside", "before"])
def test_triple_quoted_secret_cut_by_the_window_is_still_redacted(where: str) -> None:
    code = "".join(f"value_{i} = compute({i})\n" for i in range(40))
    text = code + SECRET_STRING + code
    offset = {
        "after": text.index("value_3 =", len(code) + len(SECRET_STRING)),  # the window starts inside it
        "inside": text.index(SECRET_LINES[20]),
        "before": len(code) - 5,  # the window ends inside it
    }[where]
    prefix, suffix, masked = code_windows(text, offset, 120, 120)
    assert masked >= 1
    assert [line for line in SECRET_LINES if line.strip()[:10] in prefix + suffix] == []
    if where == "inside":
        assert set((prefix + suffix).split()) == {MARKER}
    else:
        assert "value_" in prefix + suffix  # the window is still around the cursor
