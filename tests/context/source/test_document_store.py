"""DocumentStore: open/change/close and the disk fallback with typed skips (context/source/document_store.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from context.source.document import Document
from context.source.document_store import DocumentNotOpenError, DocumentStore, Skipped, document_key, load_document
from context.source.positions import PositionError


def test_open_change_get_close(tmp_path: Path) -> None:
    store = DocumentStore()
    path = tmp_path / "a.py"
    doc = store.open(path, "x = 1\n", 1, "python")
    assert doc.language == "python"
    store.change(str(path), [(((0, 4), (0, 5)), "2")], 2)
    got = store.get(path)
    assert got is not None and got.text == "x = 2\n" and got.version == 2
    assert store.paths() == [document_key(path)]
    store.close(path)
    assert store.get(path) is None


def test_language_id_wins_over_extension(tmp_path: Path) -> None:
    doc = DocumentStore().open(tmp_path / "component.js", "<a/>", 1, "typescriptreact")
    assert doc.language == "tsx"


def test_change_of_unopened_document_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DocumentNotOpenError):
        DocumentStore().change(tmp_path / "nope.py", [(None, "x")], 1)


def test_bad_range_in_change_keeps_document(tmp_path: Path) -> None:
    store = DocumentStore()
    store.open(tmp_path / "a.py", "abc", 1)
    with pytest.raises(PositionError):
        store.change(tmp_path / "a.py", [(((0, 2), (0, 1)), "x")], 2)
    doc = store.get(tmp_path / "a.py")
    assert doc is not None and doc.text == "abc"


def test_load_prefers_unsaved_open_text(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text("on disk\n")
    store = DocumentStore()
    store.open(path, "in editor\n", 3)
    loaded = store.load(path)
    assert isinstance(loaded, Document) and loaded.text == "in editor\n"


def test_load_reads_disk_and_drops_bom(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbfx = '\xc3\xa9'\r\n")
    loaded = load_document(path, 1000)
    assert isinstance(loaded, Document)
    assert loaded.text == "x = 'é'\r\n"
    assert loaded.tree is not None


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\0\0\0", "binary"),
        (b"x = '\xff\xfe'\n", "not valid UTF-8"),
        (b"x" * 5000, "too large"),
    ],
)
def test_unusable_files_are_skipped_with_reason(
    tmp_path: Path, content: bytes, reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "f.py"
    path.write_bytes(content)
    with caplog.at_level("INFO"):
        loaded = load_document(path, 4096)
    assert isinstance(loaded, Skipped)
    assert reason in loaded.reason
    assert "skipped" in caplog.text


def test_missing_file_is_skipped_as_unreadable(tmp_path: Path) -> None:
    loaded = load_document(tmp_path / "missing.py", 4096)
    assert isinstance(loaded, Skipped) and "unreadable" in loaded.reason


def test_huge_open_document_keeps_text_without_tree(tmp_path: Path) -> None:
    store = DocumentStore(max_file_bytes=2048)
    doc = store.open(tmp_path / "big.py", "y = 2\n" * 1000, 1)
    assert doc.tree is None and doc.text.count("\n") == 1000
