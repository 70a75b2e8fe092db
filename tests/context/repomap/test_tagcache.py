"""The SQLite tag cache (context/repomap/tagcache.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from context.repomap.tagcache import TagCache, content_digest, decode_rows, encode_rows, pack
from context.source.symbols import Tag, extract_tags

SOURCE = b"class Cart:\n    def add(self, item):\n        return helper(item)\n"


def tags_of(source: bytes, path: str = "shop/cart.py") -> list[Tag]:
    return extract_tags(source, "python", path)


def test_rows_round_trip_to_equal_tags() -> None:
    tags = tags_of(SOURCE)
    packed = pack(tags)
    assert decode_rows("shop/cart.py", packed.rows) == tags
    assert packed.def_counts == {"Cart": 1, "add": 1}
    assert packed.ref_counts == {"helper": 1}


def test_hit_only_when_digest_matches(tmp_path: Path) -> None:
    cache = TagCache(tmp_path / "tags.sqlite", tmp_path)
    digest = content_digest(SOURCE)
    cache.put_many([("shop/cart.py", digest, pack(tags_of(SOURCE)))])
    hit = cache.get_many({"shop/cart.py": digest})["shop/cart.py"]
    assert decode_rows("shop/cart.py", hit.rows) == tags_of(SOURCE)
    assert cache.get_many({"shop/cart.py": content_digest(SOURCE + b"\n")}) == {}
    assert cache.get_many({"other.py": digest}) == {}
    cache.close()


def test_rows_are_per_workspace_root(tmp_path: Path) -> None:
    db = tmp_path / "tags.sqlite"
    digest = content_digest(SOURCE)
    TagCache(db, tmp_path / "a").put_many([("m.py", digest, pack(tags_of(SOURCE)))])
    assert TagCache(db, tmp_path / "b").get_many({"m.py": digest}) == {}
    assert TagCache(db, tmp_path / "a").get_many({"m.py": digest}) != {}


def test_survives_reopen_and_delete(tmp_path: Path) -> None:
    db = tmp_path / "state" / "tags.sqlite"
    digest = content_digest(SOURCE)
    first = TagCache(db, tmp_path)
    first.put_many([("m.py", digest, pack(tags_of(SOURCE)))])
    first.close()
    second = TagCache(db, tmp_path)
    assert set(second.get_many({"m.py": digest})) == {"m.py"}
    second.delete(["m.py"])
    assert second.get_many({"m.py": digest}) == {}


def test_changed_extractor_empties_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "tags.sqlite"
    digest = content_digest(SOURCE)
    TagCache(db, tmp_path).put_many([("m.py", digest, pack(tags_of(SOURCE)))])
    monkeypatch.setattr("context.repomap.tagcache.extractor_fingerprint", lambda: "queries-changed")
    assert TagCache(db, tmp_path).get_many({"m.py": digest}) == {}


def test_corrupt_database_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "tags.sqlite"
    db.write_bytes(b"this is not a database" * 100)
    cache = TagCache(db, tmp_path)
    digest = content_digest(SOURCE)
    cache.put_many([("m.py", digest, pack(tags_of(SOURCE)))])
    assert set(cache.get_many({"m.py": digest})) == {"m.py"}
    assert "unusable" in caplog.text


def test_damaged_row_is_a_miss_with_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "tags.sqlite"
    digest = content_digest(SOURCE)
    cache = TagCache(db, tmp_path)
    cache.put_many([("m.py", digest, pack(tags_of(SOURCE)))])
    cache.close()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE tags SET blob = ?", (b"\x00garbage",))
    assert TagCache(db, tmp_path).get_many({"m.py": digest}) == {}
    assert "damaged tag cache row" in caplog.text


def test_unwritable_location_disables_the_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = TagCache(blocker / "tags.sqlite", tmp_path)
    cache.put_many([("m.py", content_digest(SOURCE), pack(tags_of(SOURCE)))])
    assert cache.get_many({"m.py": content_digest(SOURCE)}) == {}
    assert "tag cache disabled" in caplog.text


def test_definition_rows_hit_only_when_digest_matches_and_follow_the_extractor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tags.sqlite"
    digest = content_digest(SOURCE)
    defs = [tag for tag in tags_of(SOURCE, "m.py") if tag.role == "def"]
    cache = TagCache(db, tmp_path)
    cache.put_definitions_many([("m.py", digest, encode_rows(defs))])
    assert decode_rows("m.py", cache.get_definitions_many({"m.py": digest})["m.py"]) == defs
    assert cache.get_definitions_many({"m.py": content_digest(SOURCE + b"\n")}) == {}
    cache.close()
    monkeypatch.setattr("context.repomap.tagcache.extractor_fingerprint", lambda: "queries-changed")
    assert TagCache(db, tmp_path).get_definitions_many({"m.py": digest}) == {}


def test_lexical_rows_hit_only_when_digest_matches_and_follow_the_lexer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "tags.sqlite"
    digest = content_digest(SOURCE)
    names = ({"Cart": 1, "add": 1}, {"helper": 1})
    cache = TagCache(db, tmp_path)
    cache.put_lexical_many([("m.py", digest, names)])
    assert cache.get_lexical_many({"m.py": digest}) == {"m.py": names}
    assert cache.get_lexical_many({"m.py": content_digest(b"other")}) == {}
    cache.close()
    assert TagCache(db, tmp_path).get_many({"m.py": digest}) == {}  # the tag table is separate
    monkeypatch.setattr("context.repomap.tagcache.lexical_fingerprint", lambda: "lexer-changed")
    assert TagCache(db, tmp_path).get_lexical_many({"m.py": digest}) == {}
