"""Source text and its syntax: positions, languages, documents, tree-sitter tags and scopes.

Public surface: :class:`Position`, :class:`TextRange`, :class:`LineIndex` (LSP positions, UTF-16
aware); :class:`Document` (text plus an incrementally updated tree) and :class:`DocumentStore` (the
open documents, with a disk fallback); :func:`language_for_path` and :func:`get_parser`;
:class:`Tag` and :func:`extract_tags` (definitions and references from the ``context/queries``
files); :func:`enclosing_scopes`; :func:`definitions_in_range` (cheap enough for every keystroke).
"""

from context.source.definitions import definitions_in_range
from context.source.document import Document
from context.source.document_store import DocumentStore, load_document
from context.source.languages import get_parser, language_for_path
from context.source.positions import LineIndex, Position, PositionError, TextRange
from context.source.scopes import enclosing_scopes
from context.source.symbols import Tag, extract_definitions, extract_tags

__all__ = [
    "Document",
    "DocumentStore",
    "LineIndex",
    "Position",
    "PositionError",
    "Tag",
    "TextRange",
    "definitions_in_range",
    "enclosing_scopes",
    "extract_definitions",
    "extract_tags",
    "get_parser",
    "language_for_path",
    "load_document",
]
