"""Incremental text sync (``server/lsp/features/sync.py``): UTF-16 positions, CRLF, bad input.

The expected texts are written out by hand; the server's text is read back through
``outrider.debug.documentText``, never taken from the client.
"""

from __future__ import annotations

import itertools

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import open_document, server_document

pytestmark = pytest.mark.asyncio(loop_scope="module")

_uris = itertools.count(1)

Edit = tuple[tuple[int, int], tuple[int, int], str]


def fresh_uri(suffix: str = ".py") -> str:
    return f"untitled:sync-{next(_uris)}{suffix}"


def change(client: LanguageClient, uri: str, version: int, *edits: Edit) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=start[0], character=start[1]),
                        end=types.Position(line=end[0], character=end[1]),
                    ),
                    text=text,
                )
                for start, end, text in edits
            ],
        )
    )


ROUND_TRIPS = {
    # name: (initial text, edits of one didChange, expected text)
    "insert after an emoji (2 UTF-16 units)": ("a🐍b\n", [((0, 3), (0, 3), "X")], "a🐍Xb\n"),
    "replace an emoji with an emoji": ("a🐍b\n", [((0, 1), (0, 3), "🦀")], "a🦀b\n"),
    "ZWJ sequence counts 5 units": ("👩‍💻=1\n", [((0, 5), (0, 6), " = ")], "👩‍💻 = 1\n"),
    "CJK is one unit per character": ("你好世界\n", [((0, 2), (0, 2), "，")], "你好，世界\n"),
    "edit on a CRLF line": ("one\r\ntwo\r\nthree\r\n", [((1, 0), (1, 3), "TWO")], "one\r\nTWO\r\nthree\r\n"),
    "join lines across CRLF": ("one\r\ntwo\r\n", [((0, 3), (1, 0), " ")], "one two\r\n"),
    "insert a CRLF line break": ("ab\r\n", [((0, 1), (0, 1), "\r\n")], "a\r\nb\r\n"),
    "lone CR ends a line too": ("x\ry\n", [((1, 0), (1, 1), "Y")], "x\rY\n"),
    "changes apply in order": (
        "αβγ\n🐍\n",
        [((1, 0), (1, 2), "snake"), ((0, 1), (0, 2), ""), ((1, 5), (1, 5), "!")],
        "αγ\nsnake!\n",
    ),
    "character past the line end means the line end": ("abc\ndef\n", [((0, 99), (0, 99), "X")], "abcX\ndef\n"),
    "line past the end means the document end": ("abc\n", [((7, 0), (9, 4), "tail")], "abc\ntail"),
}


@pytest.mark.parametrize("case", sorted(ROUND_TRIPS))
async def test_incremental_edit_round_trips(module_client: LanguageClient, case: str) -> None:
    initial, edits, expected = ROUND_TRIPS[case]
    uri = fresh_uri()
    open_document(module_client, uri, initial)
    change(module_client, uri, 2, *edits)

    held = await server_document(module_client, uri)

    assert held is not None
    assert held["text"] == expected
    assert held["version"] == 2


async def test_typing_character_by_character_keeps_text_and_tree(module_client: LanguageClient) -> None:
    uri = fresh_uri()
    open_document(module_client, uri, "# 日本語 🎌\r\nname = \r\n")
    typed = "'ζ🐍'"
    column = 7  # after "name = " on line 1
    for version, char in enumerate(typed, start=2):
        change(module_client, uri, version, ((1, column), (1, column), char))
        column += len(char.encode("utf-16-le")) // 2

    held = await server_document(module_client, uri)

    assert held is not None
    assert held["text"] == "# 日本語 🎌\r\nname = 'ζ🐍'\r\n"
    assert held["version"] == 1 + len(typed)
    assert held["hasTree"] is True
    assert held["language"] == "python"


async def test_full_replacement_and_close(module_client: LanguageClient) -> None:
    uri = fresh_uri()
    open_document(module_client, uri, "old\n")
    module_client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=5),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="new 🆕\n")],
        )
    )
    held = await server_document(module_client, uri)
    assert held is not None
    assert (held["text"], held["version"]) == ("new 🆕\n", 5)

    module_client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await server_document(module_client, uri) is None


async def test_file_uri_documents_are_keyed_by_path(
    module_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("sync") / "spaced name ü.py"
    uri = path.as_uri()  # percent-encoded
    open_document(module_client, uri, "x = 1\n")
    module_client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    held = await server_document(module_client, uri)
    assert held is not None
    assert held["text"] == "x = 1\n"
    assert held["hasTree"] is True


# -- bad input: a warning, never a crash ------------------------------------------------------------


def warned(client: LanguageClient, fragment: str) -> bool:
    return any(m.type == types.MessageType.Warning and fragment in m.message for m in client.log_messages)


async def test_change_and_close_of_unknown_uri_are_ignored_with_a_warning(module_client: LanguageClient) -> None:
    uri = fresh_uri()
    change(module_client, uri, 2, ((0, 0), (0, 0), "x"))
    module_client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )

    assert await server_document(module_client, uri) is None
    assert warned(module_client, f"didChange for {uri}, which is not open")
    assert warned(module_client, f"didClose for {uri}, which is not open")


async def test_unclampable_range_is_refused_and_the_document_kept(module_client: LanguageClient) -> None:
    uri = fresh_uri()
    open_document(module_client, uri, "keep me\n")
    change(module_client, uri, 2, ((0, 5), (0, 1), "start after end"))

    held = await server_document(module_client, uri)

    assert held is not None
    assert (held["text"], held["version"]) == ("keep me\n", 1)
    assert warned(module_client, f"{uri}: change to version 2 refused")


async def test_non_increasing_version_is_applied_with_a_warning(module_client: LanguageClient) -> None:
    uri = fresh_uri()
    open_document(module_client, uri, "v\n", version=7)
    change(module_client, uri, 7, ((0, 1), (0, 1), "7"))

    held = await server_document(module_client, uri)

    assert held is not None
    assert held["text"] == "v7\n"
    assert warned(module_client, "version 7 after 7 does not increase")


async def test_binary_document_is_kept_without_a_tree(module_client: LanguageClient) -> None:
    uri = fresh_uri(".py")
    open_document(module_client, uri, "\x00\x01\x02 binary \x00\n")
    change(module_client, uri, 2, ((0, 0), (0, 0), "def f(): pass\n"))

    held = await server_document(module_client, uri)

    assert held is not None
    assert held["text"] == "def f(): pass\n\x00\x01\x02 binary \x00\n"
    assert held["hasTree"] is False
    assert "binary" in held["parseSkipped"]
    assert warned(module_client, "looks binary")
