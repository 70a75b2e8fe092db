"""Resolving names through imports: from a binding to the definitions it refers to, following
re-exports (a module's own imports of the name), star imports and class hierarchies.

:class:`Resolver` serves :mod:`context.packing.cursor_retrieval` for one request; what does not
depend on the request (a file's import statements, a module's path) is memoised in the
:class:`~context.packing.workspace.WorkspaceView` by file content and indexed paths.
"""

from __future__ import annotations

import functools
import posixpath
import re

from context.packing.imports import STAR, Binding, import_bindings, python_submodule, resolve_module
from context.packing.workspace import WorkspaceView
from context.source.symbols import Tag

RE_EXPORT_DEPTH = 3
HIERARCHY_DEPTH = 3
CLASS_KINDS = frozenset({"class", "interface", "struct", "trait", "type", "enum"})
BASES = re.compile(r"\((.*)\)\s*:?\s*$")
_PY_IMPORT_START = re.compile(r"^\s*(?:from\s+\S+\s+import\s|import\s)")
_INDENTED_IMPORT = re.compile(r"^[ \t]+(?:from\s+\S+\s+import\s[^\n]*|import\s[^\n]*)$", re.MULTILINE)


def python_import_statements(lines: list[str]) -> list[str]:
    """Every import statement of a Python file, at any depth (``if TYPE_CHECKING:``, ``try:``),
    continuation lines joined."""
    statements: list[str] = []
    pending: list[str] = []
    for line in lines:
        if pending:
            pending.append(line)
        elif _PY_IMPORT_START.match(line):
            pending = [line.strip()]
        if pending:
            text = "\n".join(pending)
            if text.count("(") <= text.count(")") and not text.endswith("\\"):
                statements.append(text)
                pending = []
    return statements


@functools.lru_cache(maxsize=8)
def nested_python_imports(source: bytes) -> tuple[str, ...]:
    """The import statements of a document that are not at its top level (found by a scan of its
    text; cached by the text: requests at one version share them)."""
    text = source.decode("utf-8", errors="replace")
    indented = [m.group(0) for m in _INDENTED_IMPORT.finditer(text)]
    return tuple(python_import_statements(indented)) if indented else ()


class Resolver:
    """Imports to definitions, for the current file and, when following re-exports, other files."""

    def __init__(self, view: WorkspaceView, language: str | None, current: str | None) -> None:
        self.view = view
        self.language = language
        self.current = current
        self.paths = view.paths()
        self._bindings: dict[str, tuple[Binding, ...]] = {}

    def file_bindings(self, path: str) -> tuple[Binding, ...]:
        """The imports of another workspace file (for its re-exports and annotations)."""
        if path not in self._bindings:

            def parse() -> tuple[Binding, ...]:
                lines = self.view.lines(path)
                statements = python_import_statements(lines) if self.language == "python" else []
                return import_bindings(self.language, statements)

            key = ("imports", self.language, path, self.view.digest(path))
            self._bindings[path] = self.view.memo(key, parse)
        return self._bindings[path]

    def module_of(self, binding: Binding, importer: str | None) -> str | None:
        if importer is None and binding.level:
            return None
        key = ("module", self.language, binding, importer, self.paths)
        return self.view.memo(key, lambda: resolve_module(self.language, binding, importer or "", self.paths))

    def lookup(self, path: str, name: str, depth: int = 0) -> list[Tag]:
        """Top-level definitions of `name` in the module at `path` (a Go package: its folder),
        following that module's imports of the name (re-exports) and its star imports."""
        files = [path]
        if self.language == "go":
            folder = posixpath.dirname(path)
            files = sorted(p for p in self.paths if posixpath.dirname(p) == folder and p.endswith(".go"))
        found = [t for f in files for t in self.view.file_definitions(f) if t.name == name and t.scope is None]
        if found or depth >= RE_EXPORT_DEPTH or self.language != "python":
            return found[:2]
        bindings = self.file_bindings(path)
        for binding in reversed(bindings):
            if binding.local == name and binding.name is not None:
                return self.binding_definitions(binding, path, depth + 1)
        for binding in bindings:
            target = self.module_of(binding, path) if binding.local == STAR else None
            if target is not None and (found := self.lookup(target, name, depth + 1)):
                return found
        return []

    def binding_definitions(self, binding: Binding, importer: str | None, depth: int = 0) -> list[Tag]:
        """What a name binding (``from m import name``) refers to: definitions of `name` in `m`."""
        target = self.module_of(binding, importer)
        if target is None or binding.name is None:
            return []
        name = binding.local if binding.name == "default" else binding.name
        found = self.lookup(target, name, depth)
        if not found and self.language == "python" and python_submodule(target, name, self.paths) is not None:
            return []  # a module, not a definition: its attributes are resolved through the pairs
        return found

    def attribute(self, binding: Binding, attribute: str, importer: str | None) -> list[Tag]:
        """``alias.attribute`` where alias is bound by `binding` (a module, or a class imported)."""
        if binding.name is None or binding.name == STAR:
            target = self.module_of(binding, importer)
            return self.lookup(target, attribute) if target is not None else []
        target = self.module_of(binding, importer)
        module = python_submodule(target, binding.name, self.paths) if target and self.language == "python" else None
        if module is not None:
            return self.lookup(module, attribute)
        return [
            member for owner in self.binding_definitions(binding, importer) for member in self.members(owner, attribute)
        ]

    def members(self, owner: Tag, attribute: str, depth: int = 0) -> list[Tag]:
        """`attribute` defined in the class `owner` or (HIERARCHY_DEPTH) in its bases."""
        if owner.kind not in CLASS_KINDS:
            return []
        found = [t for t in self.view.file_definitions(owner.path) if t.scope == owner.name and t.name == attribute]
        if found or depth >= HIERARCHY_DEPTH:
            return found[:1]
        for base in self.bases(owner.signature, owner.path):
            if found := self.members(base, attribute, depth + 1):
                return found
        return []

    def bases(self, signature: str, path: str | None) -> list[Tag]:
        """The classes a class signature (``class A(B, m.C):``) names, resolved from file `path`."""
        match = BASES.search(signature)
        if match is None or self.language != "python":
            return []
        bindings = self.file_bindings(path) if path is not None and path != self.current else None
        if bindings is None:
            return []  # the current file's bindings are the caller's (see cursor_definitions)
        by_name = {b.local: b for b in bindings if b.local != STAR}
        return self.resolve_bases(match.group(1), by_name, path)

    def resolve_bases(self, text: str, by_name: dict[str, Binding], importer: str | None) -> list[Tag]:
        found: list[Tag] = []
        for part in text.split(","):
            base = part.strip()
            if not base or "=" in base:
                continue
            head, _, attribute = base.partition(".")
            if (binding := by_name.get(head)) is None:
                continue
            if attribute:
                found.extend(t for t in self.attribute(binding, attribute, importer) if t.kind in CLASS_KINDS)
            else:
                found.extend(t for t in self.binding_definitions(binding, importer) if t.kind in CLASS_KINDS)
        return found
