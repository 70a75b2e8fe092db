"""Language registry: which grammar a file uses, and cached tree-sitter languages and parsers.

Our language names are the keys of :data:`LANGUAGES` (``python``, ``javascript``, ``typescript``,
``tsx``, ``go``, ``rust``, ``java``, ``c``, ``cpp``). A file maps to one by its extension
(:func:`language_for_path`) or, from an editor, by its LSP ``languageId``
(:func:`language_for_language_id`). Grammars come from the official wheels and are loaded on first
use only (no import-time work); a :class:`tree_sitter.Parser` is cached per language and per thread
(parsers are not safe to share between threads).
"""

from __future__ import annotations

import functools
import importlib
import os
import threading
from dataclasses import dataclass
from pathlib import PurePath

from tree_sitter import Language, Parser


@dataclass(frozen=True, slots=True)
class LanguageSpec:
    """Where one grammar lives and which files use it."""

    name: str
    module: str
    factory: str
    extensions: tuple[str, ...]
    language_ids: tuple[str, ...]


LANGUAGES: dict[str, LanguageSpec] = {
    spec.name: spec
    for spec in (
        LanguageSpec("python", "tree_sitter_python", "language", (".py", ".pyi", ".pyw"), ("python",)),
        LanguageSpec(
            "javascript",
            "tree_sitter_javascript",
            "language",
            (".js", ".mjs", ".cjs", ".jsx"),
            ("javascript", "javascriptreact"),
        ),
        LanguageSpec(
            "typescript", "tree_sitter_typescript", "language_typescript", (".ts", ".mts", ".cts"), ("typescript",)
        ),
        LanguageSpec("tsx", "tree_sitter_typescript", "language_tsx", (".tsx",), ("typescriptreact",)),
        LanguageSpec("go", "tree_sitter_go", "language", (".go",), ("go",)),
        LanguageSpec("rust", "tree_sitter_rust", "language", (".rs",), ("rust",)),
        LanguageSpec("java", "tree_sitter_java", "language", (".java",), ("java",)),
        LanguageSpec("c", "tree_sitter_c", "language", (".c", ".h"), ("c",)),
        LanguageSpec(
            "cpp",
            "tree_sitter_cpp",
            "language",
            (".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx", ".h++", ".ipp", ".inl"),
            ("cpp", "cuda-cpp"),
        ),
    )
}

_BY_EXTENSION: dict[str, str] = {ext: spec.name for spec in LANGUAGES.values() for ext in spec.extensions}
_BY_LANGUAGE_ID: dict[str, str] = {lid: spec.name for spec in LANGUAGES.values() for lid in spec.language_ids}

_local = threading.local()
_POSIX = os.name == "posix"


def supported_languages() -> list[str]:
    """Our language names, sorted."""
    return sorted(LANGUAGES)


def language_for_path(path: str | PurePath) -> str | None:
    """Our language name for a file, by extension (case-insensitive); None if we ship no grammar."""
    return _BY_EXTENSION.get(path_suffix(path).lower())


def path_suffix(path: str | PurePath) -> str:
    """``PurePath(path).suffix``, without building a path object for plain POSIX names (indexing
    asks this of every file of the workspace)."""
    if isinstance(path, str) and _POSIX:
        name = path.rpartition("/")[2]
        if name and name != ".":
            dot = name.rfind(".")
            return name[dot:] if 0 < dot < len(name) - 1 else ""
    return PurePath(path).suffix


def language_for_language_id(language_id: str) -> str | None:
    """Our language name for an LSP ``languageId`` (``typescriptreact`` -> ``tsx``); None if unknown."""
    return _BY_LANGUAGE_ID.get(language_id)


def resolve_language(path: str | PurePath, language_id: str | None = None) -> str | None:
    """The editor's ``languageId`` when we know it, else the file extension."""
    if language_id is not None and (name := language_for_language_id(language_id)) is not None:
        return name
    return language_for_path(path)


@functools.cache
def get_language(name: str) -> Language:
    """The tree-sitter grammar for one of our language names (loaded once). KeyError if unknown."""
    spec = LANGUAGES[name]
    module = importlib.import_module(spec.module)
    return Language(getattr(module, spec.factory)())


def get_parser(name: str) -> Parser:
    """A parser for `name`, cached per thread (tree-sitter parsers must not be shared across threads)."""
    parsers: dict[str, Parser] | None = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = {}
        _local.parsers = parsers
    parser = parsers.get(name)
    if parser is None:
        parser = Parser(get_language(name))
        parsers[name] = parser
    return parser
