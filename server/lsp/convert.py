"""Conversions between lsprotocol types and our own plain values, in one place, one prefix.

``lsp_*`` builds an lsprotocol value from ours; ``from_lsp_*`` goes the other way. Positions are
``context.source.positions.Position`` ``(line, character)``, 0-based, ``character`` in UTF-16 code units
(the only encoding this server negotiates; see ``server.lsp.protocol``), exactly what
``context.source.document`` expects; ranges are ``context.source.positions.TextRange``.

URIs: ``file:`` URIs map to paths; any other scheme (``untitled:``, ``vscode-notebook-cell:``...)
has no path and is kept as an in-memory document keyed by its URI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls import uris

from context.source.positions import LineIndex, Position, TextRange
from server.agent.rebase import Region


def lsp_position(position: Position | tuple[int, int]) -> types.Position:
    return types.Position(line=position[0], character=position[1])


def lsp_range(value: TextRange | tuple[tuple[int, int], tuple[int, int]]) -> types.Range:
    return types.Range(start=lsp_position(value[0]), end=lsp_position(value[1]))


def from_lsp_position(position: types.Position) -> Position:
    return Position(position.line, position.character)


def from_lsp_range(value: types.Range) -> TextRange:
    return TextRange(from_lsp_position(value.start), from_lsp_position(value.end))


def uri_to_path(uri: str) -> Path | None:
    """The file a ``file:`` URI names (percent-decoded), or None for any other scheme."""
    if uris.uri_scheme(uri) != "file":
        return None
    fs_path = uris.to_fs_path(uri)
    return Path(fs_path) if fs_path else None


def path_to_uri(path: Path) -> str:
    uri = uris.from_fs_path(str(path))
    if uri is None:
        raise ValueError(f"cannot build a file URI for {path!r}")
    return str(uri)


def from_lsp_settings_section(value: Any, section: str = "outrider") -> dict[str, Any] | None:
    """Our settings from what an editor sends: ``{"outrider": {...}}`` or the section itself.

    None when the value is not an object at all (the caller reports that). An empty list counts as
    an empty object: Lua clients (Neovim) cannot tell them apart and send ``{}`` as ``[]``.
    """
    if value is None or value == []:
        return {}
    if not isinstance(value, dict):
        return None
    inner = value.get(section)
    if isinstance(inner, dict):
        return inner
    if inner == []:
        return {}
    return value if section not in value else None


def lsp_message_type(level: int) -> types.MessageType:
    """The ``window/logMessage`` type for a :mod:`logging` level."""
    if level >= 40:
        return types.MessageType.Error
    if level >= 30:
        return types.MessageType.Warning
    if level >= 20:
        return types.MessageType.Info
    return types.MessageType.Log


def lsp_range_json(value: types.Range) -> dict[str, Any]:
    """A range as plain JSON (for ``data`` and command arguments that travel to the editor and back)."""
    return {
        "start": {"line": value.start.line, "character": value.start.character},
        "end": {"line": value.end.line, "character": value.end.character},
    }


def from_lsp_range_json(value: Any) -> TextRange | None:
    """A range from plain JSON (``{"start": {"line", "character"}, "end": ...}``); None if malformed."""
    if not isinstance(value, dict):
        return None
    start, end = value.get("start"), value.get("end")
    if not isinstance(start, dict) or not isinstance(end, dict):
        return None
    try:
        return TextRange(
            Position(int(start.get("line", 0)), int(start.get("character", 0))),
            Position(int(end.get("line", 0)), int(end.get("character", 0))),
        )
    except (TypeError, ValueError):
        return None


LspTextEdit = types.TextEdit | types.AnnotatedTextEdit


def lsp_text_edit(value: types.Range, text: str, annotation: str | None = None) -> LspTextEdit:
    """A text edit, annotated (``AnnotatedTextEdit``) when `annotation` names a change annotation."""
    if annotation is None:
        return types.TextEdit(range=value, new_text=text)
    return types.AnnotatedTextEdit(range=value, new_text=text, annotation_id=annotation)


def lsp_hunk_edits(current: str, hunks: Sequence[Region], annotation: str | None = None) -> list[LspTextEdit]:
    """One text edit per hunk (offsets into `current`), ranges in UTF-16 positions of `current`."""
    lines = LineIndex(current)
    edits: list[LspTextEdit] = []
    for hunk in hunks:
        start, end = lines.position_at(current, hunk.start), lines.position_at(current, hunk.end)
        edits.append(lsp_text_edit(lsp_range((start, end)), hunk.text, annotation))
    return edits


def lsp_document_edit(uri: str, version: int | None, edits: Sequence[LspTextEdit]) -> types.TextDocumentEdit:
    identifier = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
    return types.TextDocumentEdit(text_document=identifier, edits=list(edits))


def lsp_create_file(uri: str, text: str, annotation: str | None = None) -> list[Any]:
    """``documentChanges`` that create a file with `text`."""
    insert = lsp_text_edit(lsp_range(((0, 0), (0, 0))), text, annotation)
    return [types.CreateFile(uri=uri, annotation_id=annotation), lsp_document_edit(uri, None, [insert])]


def lsp_delete_file(uri: str, annotation: str | None = None) -> types.DeleteFile:
    return types.DeleteFile(uri=uri, annotation_id=annotation)


def lsp_plain_changes(document_changes: Sequence[Any]) -> dict[str, list[types.TextEdit]]:
    """``changes`` for clients without ``documentChanges`` (text edits only, no versions)."""
    out: dict[str, list[types.TextEdit]] = {}
    for change in document_changes:
        assert isinstance(change, types.TextDocumentEdit)
        for edit in change.edits:
            assert isinstance(edit, types.TextEdit)  # we never send snippet edits
            out.setdefault(change.text_document.uri, []).append(
                types.TextEdit(range=edit.range, new_text=edit.new_text)
            )
    return out


def lsp_inline_completion_item(
    line: int, character: int, line_prefix: str, suggestion: str, command: types.Command | None = None
) -> types.InlineCompletionItem:
    """An item replacing the cursor line from its start to the cursor with that text plus `suggestion`;
    `command` runs when the user accepts it."""
    text = line_prefix + suggestion
    return types.InlineCompletionItem(
        insert_text=text, range=lsp_range(((line, 0), (line, character))), filter_text=text, command=command
    )


def lsp_command(command: str, title: str, argument: str | None) -> types.Command | None:
    """A command with one argument; None when there is no argument to send."""
    return None if argument is None else types.Command(title=title, command=command, arguments=[argument])


_LABEL_CHARS = 80


def lsp_completion_item(position: types.Position, typed: str, suggestion: str) -> types.CompletionItem:
    """One item replacing the word being typed with that word plus the suggestion."""
    text = typed + suggestion
    first_line = text.split("\n", 1)[0].strip()
    label = first_line if len(first_line) <= _LABEL_CHARS else first_line[: _LABEL_CHARS - 1] + "…"
    start = (position.line, position.character - len(typed.encode("utf-16-le")) // 2)
    return types.CompletionItem(
        label=label or text.strip()[:_LABEL_CHARS],
        kind=types.CompletionItemKind.Text,
        detail="Outrider",
        documentation=types.MarkupContent(kind=types.MarkupKind.PlainText, value=text),
        filter_text=text,
        sort_text="0",
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(range=lsp_range((start, (position.line, position.character))), new_text=text),
    )


def from_lsp_inline_edit_params(params: Any) -> tuple[str, int | None, Position]:
    """``textDocument/copilotInlineEdit`` params (``{textDocument: {uri, version}, position}``, as
    pygls hands over a method lsprotocol does not know: nested namedtuples) -> uri, version, position.
    ValueError when they do not have that shape."""
    value = _plain(params)
    try:
        document, position = value["textDocument"], value["position"]
        uri = document["uri"]
        version = document.get("version")
        line, character = int(position["line"]), int(position["character"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"expected {{textDocument: {{uri, version}}, position}}, got {value!r}") from exc
    if not isinstance(uri, str) or (version is not None and not isinstance(version, int)) or min(line, character) < 0:
        raise ValueError(f"expected {{textDocument: {{uri, version}}, position}}, got {value!r}")
    return uri, version, Position(line, character)


def _plain(value: Any) -> Any:
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def lsp_inline_edit(uri: str, version: int, range_: TextRange, text: str, command: str | None) -> dict[str, Any]:
    """One item of a ``textDocument/copilotInlineEdit`` result: ``{text, textDocument, range, command?}``."""
    item: dict[str, Any] = {
        "text": text,
        "textDocument": {"uri": uri, "version": version},
        "range": lsp_range_json(lsp_range(range_)),
    }
    if command is not None:
        item["command"] = {"title": "Accept next edit", "command": command, "arguments": [uri, version]}
    return item


def lsp_line_replacement_item(line: int, end_character: int, text: str) -> types.InlineCompletionItem:
    """An inline-completion item replacing line `line` (from its start to `end_character`) with `text`."""
    return types.InlineCompletionItem(
        insert_text=text, range=lsp_range(((line, 0), (line, end_character))), filter_text=text
    )
