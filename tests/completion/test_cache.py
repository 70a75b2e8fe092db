from server.completion.cache import SuggestionCache, TypeAhead, cache_key


def test_cache_key_separates_parts() -> None:
    assert cache_key(["ab", "c"]) != cache_key(["a", "bc"])
    assert cache_key(["ab", "c"]) == cache_key(["ab", "c"])


def test_cache_is_lru_and_remembers_empty_answers() -> None:
    cache = SuggestionCache(capacity=2)
    cache.put("a", "1")
    cache.put("b", None)
    assert cache.get("a") == "1"  # a is now the most recent
    cache.put("c", "3")
    assert "b" not in cache
    assert "a" in cache and "c" in cache
    cache.put("d", "4")
    assert "a" not in cache
    assert len(cache) == 2


def test_typeahead_answers_with_the_rest_of_the_suggestion() -> None:
    memory = TypeAhead()
    memory.remember("doc", "x = fo", "\n", "o(bar)")
    assert memory.lookup("doc", "x = fo", "\n") == "o(bar)"
    assert memory.lookup("doc", "x = foo", "\n") == "(bar)"
    assert memory.lookup("doc", "x = foo(b", "\n") == "ar)"


def test_typeahead_refuses_divergent_typing_and_other_changes() -> None:
    memory = TypeAhead()
    memory.remember("doc", "x = fo", "\n", "o(bar)")
    assert memory.lookup("doc", "x = fox", "\n") is None  # typed something else
    assert memory.lookup("doc", "x = foo(bar)", "\n") is None  # typed it all: nothing left
    assert memory.lookup("doc", "x = foo", "\nmore") is None  # text after the cursor changed
    assert memory.lookup("doc", "x = f", "\n") is None  # deleted
    assert memory.lookup("other", "x = foo", "\n") is None
    memory.forget("doc")
    assert memory.lookup("doc", "x = foo", "\n") is None
