"""Cursor-aware retrieval: the definitions, in other files, of the names around the cursor.

:func:`cursor_definitions` weighs the names near the cursor (:mod:`context.packing.cursor_names`) and
resolves each to its definitions elsewhere in the workspace:

1. through the file's imports (:mod:`context.packing.imports`): ``from x import y as z``, relative
   and absolute, module aliases (``m.f``), re-exports followed through the imported module's own
   imports (an ``__init__`` that imports a name from a submodule, or a star import), up to
   RE_EXPORT_DEPTH hops; every imported name is a candidate (IMPORT_BASE), more so near the cursor;
2. through the class hierarchy for ``self.``/``this.`` attributes: the enclosing class's bases,
   resolved like any name, then their bases (HIERARCHY_DEPTH);
3. through the lexical index for names without an import and not defined in the file (star
   imports first), when at most LEXICAL_MAX_DEFINITIONS definitions carry that name.

Each found definition gets a score: the weight of its name near the cursor (1 on the cursor
line) times how specific the route is (an import: 1; the lexical index: less, and less again per
extra definition of the name). Results are sorted by score, then path and line: the same state
gives the same list. Names the language shadows (a builtin redefined in the workspace) are found
only through an import, never through the lexical index.
"""

from __future__ import annotations

import builtins
import functools
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass

from context.packing.cursor import CursorContext
from context.packing.cursor_names import NearNames, names_near
from context.packing.imports import STAR, Binding, import_bindings, python_submodule, resolve_module
from context.packing.workspace import WorkspaceView
from context.source.document import Document
from context.source.symbols import Tag

IMPORT_BASE = 0.2
OUTLINE_WEIGHT = 0.35  # a member of a class in play, used in many files
OUTLINE_USERS = 4  # files: a member used in this many files gets half of OUTLINE_WEIGHT
USE_HALF_DISTANCE = 12.0  # lines: an import used this far from the cursor weighs half
UNUSED_IMPORT = 0.8  # an import nothing in the file uses yet
LEXICAL_FACTOR = 0.6
ATTRIBUTE_FACTOR = 0.5
LEXICAL_MAX_DEFINITIONS = 3
MAX_IMPORTS = 24  # imported names resolved, the most likely first
MAX_LEXICAL = 16  # names looked up in the lexical index (a plain lower-case name is a local variable)
LEXICAL_MIN_WEIGHT = 0.25  # names further from the cursor than about 18 lines are not looked up
RE_EXPORT_DEPTH = 3
HIERARCHY_DEPTH = 3
MAX_FOUND = 48
_BUILTINS = frozenset(dir(builtins))
_SELF = frozenset({"self", "this", "cls"})
_SELF_ATTRIBUTE = re.compile(r"\bself\.([A-Za-z_]\w*)")
_CALLABLE_KINDS = frozenset({"class", "function", "method", "interface", "struct", "trait", "type", "enum", "macro"})
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|__tests__)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(spec|test)\.[a-z]+$")
_CLASS_KINDS = frozenset({"class", "interface", "struct", "trait", "type", "enum"})
_ANNOTATED = re.compile(r"([A-Za-z_]\w*)\s*:\s*([A-Za-z_][\w.]*)")
_ANNOTATED_VARIABLE = re.compile(r"^[A-Za-z_]\w*\s*:\s*\"?([A-Za-z_][\w.]*)")
_BASES = re.compile(r"\((.*)\)\s*:?\s*$")
_PY_IMPORT_START = re.compile(r"^\s*(?:from\s+\S+\s+import\s|import\s)")
_IMPORT_AT = re.compile(r"\s*(?:from\s+\S+\s+import\s|import\s)")  # match(text, pos): `^` would not hold at pos
_INDENTED_IMPORT = re.compile(r"^[ \t]+(?:from\s+\S+\s+import\s[^\n]*|import\s[^\n]*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Found:
    """A definition worth showing, and why: its score and the name that led to it."""

    tag: Tag
    score: float


_Add = Callable[[list[Tag], float], None]


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
def _nested_python_imports(source: bytes) -> tuple[str, ...]:
    """The import statements of a document that are not at its top level (found by a scan of its
    text; cached by the text: requests at one version share them)."""
    text = source.decode("utf-8", errors="replace")
    indented = [m.group(0) for m in _INDENTED_IMPORT.finditer(text)]
    return tuple(python_import_statements(indented)) if indented else ()


class _Resolver:
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
        if owner.kind not in _CLASS_KINDS:
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
        match = _BASES.search(signature)
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
                found.extend(t for t in self.attribute(binding, attribute, importer) if t.kind in _CLASS_KINDS)
            else:
                found.extend(t for t in self.binding_definitions(binding, importer) if t.kind in _CLASS_KINDS)
        return found


def _nearest_use(doc: Document, cursor: CursorContext, name: str) -> float | None:
    """A weight for the use of `name` nearest the cursor, anywhere in the file (an occurrence on an
    import line is no use); None when nothing uses it: an import no code uses yet is likely about
    to be used at the cursor. Substring search, outward from the cursor: fast, and a longer name
    that contains this one only makes it look used."""
    text, offset, line = doc.text, cursor.offset, cursor.position.line
    distances = []
    end = offset
    while (before := text.rfind(name, 0, end)) != -1:
        if not _on_import_line(text, before):
            distances.append(line - doc.position_at(before).line)
            break
        end = before
    start = offset
    while (after := text.find(name, start)) != -1:
        if not _on_import_line(text, after):
            distances.append(doc.position_at(after).line - line)
            break
        start = after + len(name)
    if not distances:
        return None
    return 1.0 / (1.0 + min(distances) / USE_HALF_DISTANCE)


def _on_import_line(text: str, index: int) -> bool:
    line_start = text.rfind("\n", 0, index) + 1
    return _IMPORT_AT.match(text, line_start) is not None or (
        text.startswith("    ", line_start)
        and (
            text[line_start:index].strip() == ""
            and text.rfind("import (", 0, line_start) > text.rfind(")", 0, line_start)
        )
    )


def _self_attributes(doc: Document, cursor: CursorContext) -> dict[str, float]:
    """``self.x`` in the enclosing class, weighted by the distance of the nearest one."""
    scope = next((s for s in reversed(cursor.scopes) if s.kind == "class"), None)
    if scope is None:
        return {}
    line = cursor.position.line
    found: dict[str, float] = {}
    start = doc.line_start(scope.start_line)
    end = doc.line_start(scope.end_line + 1) if scope.end_line + 1 < doc.line_count else len(doc.text)
    text = doc.text[start:end]
    for match in _SELF_ATTRIBUTE.finditer(text):
        number = scope.start_line + text.count("\n", 0, match.start())
        weight = 1.0 / (1.0 + abs(number - line) / USE_HALF_DISTANCE)
        if weight > found.get(match.group(1), 0.0):
            found[match.group(1)] = weight
    return found


def _enclosing_class_bases(cursor: CursorContext) -> str | None:
    for scope in reversed(cursor.scopes):
        if scope.kind == "class":
            match = _BASES.search(scope.signature)
            return match.group(1) if match else ""
    return None


def cursor_definitions(doc: Document, cursor: CursorContext, view: WorkspaceView) -> list[Found]:
    """Definitions in other files of the names around the cursor, best first (module docstring)."""
    current = view.relative(doc.path)
    resolver = _Resolver(view, doc.language, current)
    statements = [text for _, text in cursor.imports]
    if doc.language == "python":
        statements += _nested_python_imports(doc.source)
    bindings = import_bindings(doc.language, statements)
    by_name = {b.local: b for b in bindings if b.local != STAR}
    stars = [b for b in bindings if b.local == STAR]
    near = names_near(doc, cursor.position.line)
    local = {t.name for t in view.file_definitions(current)} if current is not None else set()
    scores: dict[tuple[str, int], Found] = {}

    def add(tags: list[Tag], score: float) -> None:
        for tag in tags:
            if tag.path == current:
                continue
            key = (tag.path, tag.line)
            if key not in scores or scores[key].score < score:
                scores[key] = Found(tag, score)

    weights: dict[str, float] = {}
    for local_name in sorted(by_name):
        nearest = _nearest_use(doc, cursor, local_name)
        weights[local_name] = (
            UNUSED_IMPORT if nearest is None else max(IMPORT_BASE, nearest, near.names.get(local_name, 0.0))
        )
    for local_name in sorted(weights, key=lambda n: (-weights[n], n))[:MAX_IMPORTS]:
        add(resolver.binding_definitions(by_name[local_name], current), weights[local_name])
    _attributes(doc, resolver, near, by_name, cursor, current, add)
    _unbound(resolver, near, by_name, stars, local, current, add)
    found = sorted(scores.values(), key=lambda f: (-f.score, f.tag.path, f.tag.line))
    return found[:MAX_FOUND]


def _receiver_types(
    cursor: CursorContext, resolver: _Resolver, by_name: dict[str, Binding], current: str | None
) -> dict[str, list[Tag]]:
    """Classes of receivers whose type is written down: the enclosing function's annotated
    parameters (``app: Flask``), and imported variables annotated where they are defined
    (``current_app: Flask = ...``)."""
    types: dict[str, list[Tag]] = {}
    function = next((s for s in reversed(cursor.scopes) if s.kind in ("function", "method")), None)
    if function is not None:
        for name, annotation in _ANNOTATED.findall(function.signature):
            found = resolver.resolve_bases(annotation, by_name, current)
            if found:
                types[name] = found
    for local_name, binding in by_name.items():
        for tag in resolver.binding_definitions(binding, current):
            match = _ANNOTATED_VARIABLE.match(tag.signature) if tag.kind not in _CLASS_KINDS else None
            if match is not None:
                owner_bindings = {b.local: b for b in resolver.file_bindings(tag.path) if b.local != STAR}
                found = resolver.resolve_bases(match.group(1), owner_bindings, tag.path)
                found += [
                    t
                    for t in resolver.view.file_definitions(tag.path)
                    if t.name == match.group(1) and t.kind in _CLASS_KINDS
                ]
                if found:
                    types[local_name] = found
    return types


def _outline(resolver: _Resolver, owner: Tag, add: _Add, depth: int = 0) -> None:
    """The public members of a class the cursor works with (a typed receiver, a base of its own
    class), and of its bases, scored by how widely each is used: the model may need any."""
    members = [
        t
        for t in resolver.view.file_definitions(owner.path)
        if t.scope == owner.name and not t.name.startswith("__") and t.kind in ("method", "function")
    ]
    for member in members:
        users = resolver.view.reference_file_count(member.name)
        add([member], OUTLINE_WEIGHT * users / (users + OUTLINE_USERS))
    if depth < HIERARCHY_DEPTH:
        for base in resolver.bases(owner.signature, owner.path):
            _outline(resolver, base, add, depth + 1)


def _attributes(
    doc: Document,
    resolver: _Resolver,
    near: NearNames,
    by_name: dict[str, Binding],
    cursor: CursorContext,
    current: str | None,
    add: _Add,
) -> None:
    """``alias.attribute`` through imports; ``self.attribute`` through the class hierarchy."""
    bases_text = _enclosing_class_bases(cursor)
    bases = resolver.resolve_bases(bases_text, by_name, current) if bases_text else []
    if bases:
        for attribute, weight in sorted(_self_attributes(doc, cursor).items()):
            add([m for base in bases for m in resolver.members(base, attribute)], weight)
    types = _receiver_types(cursor, resolver, by_name, current)
    for owner in [*bases, *(t for receiver in sorted(types) for t in types[receiver])]:
        _outline(resolver, owner, add)
    for (receiver, attribute), weight in sorted(near.attributes.items()):
        if receiver in _SELF:
            add([m for base in bases for m in resolver.members(base, attribute)], weight)
        elif receiver in types:
            add([m for owner in types[receiver] for m in resolver.members(owner, attribute)], weight)
        elif (binding := by_name.get(receiver)) is not None:
            add(resolver.attribute(binding, attribute, current), weight)
    for base in bases:  # the class the cursor is in inherits from these: worth a line each
        add([base], 0.5)


def _unbound(
    resolver: _Resolver,
    near: NearNames,
    by_name: dict[str, Binding],
    stars: list[Binding],
    local: set[str],
    current: str | None,
    add: _Add,
) -> None:
    """Names with no import and no definition in the file: star imports, then the lexical index
    (classes and functions only, outside test code unless the file is a test)."""
    testing = current is not None and bool(_TEST_PATH.search(current))
    attributes = {attribute for _, attribute in near.attributes}
    wanted = [
        (name, weight)
        for name, weight in near.names.items()
        if name not in by_name
        and name not in local
        and weight >= LEXICAL_MIN_WEIGHT
        and (name in attributes or name in near.calls)
    ]
    for name, weight in sorted(wanted, key=lambda item: (-item[1], item[0]))[:MAX_LEXICAL]:
        from_star = [t for b in stars if (m := resolver.module_of(b, current)) for t in resolver.lookup(m, name)]
        if from_star:
            add(from_star, weight)
            continue
        if name in _BUILTINS and name not in attributes:
            continue  # a builtin, unless the workspace's definition comes through an import
        defs = [
            t
            for t in resolver.view.definitions(name)
            if t.path != current and t.kind in _CALLABLE_KINDS and (testing or not _TEST_PATH.search(t.path))
        ]
        if 0 < len(defs) <= LEXICAL_MAX_DEFINITIONS:
            factor = ATTRIBUTE_FACTOR if name in attributes else LEXICAL_FACTOR
            specific = 1.0 if len(name) > 3 else 0.5
            add(defs, weight * factor * specific / len(defs))
