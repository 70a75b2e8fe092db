from textutil.slug import slugify


def test_slugify_lowercases_and_joins_words() -> None:
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_keeps_digits() -> None:
    assert slugify("Top 10 tips") == "top-10-tips"
