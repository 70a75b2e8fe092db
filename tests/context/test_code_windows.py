"""Code windows around the cursor: budgets, growth, redaction across the cut (context/code_windows.py)."""

from __future__ import annotations

from context.code_windows import code_windows
from context.tokens import count_tokens

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
