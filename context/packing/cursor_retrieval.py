"""Cursor-aware retrieval: the definitions, in other files, of the names around the cursor.

:func:`cursor_definitions` weighs the names near the cursor (:mod:`context.packing.cursor_names`) and
resolves each to its definitions elsewhere in the workspace:

1. through the file's imports (:mod:`context.packing.imports`): ``from x import y as z``, relative
   and absolute, module aliases (``m.f``), re-exports followed through the imported module's own
   imports (an ``__init__`` that imports a name from a submodule, or a star import), up to
   :data:`context.packing.resolver.RE_EXPORT_DEPTH` hops; every imported name is a candidate
   (IMPORT_BASE), more so near the cursor, most of all when nothing in the file uses it yet;
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
import re
from collections.abc import Callable
from dataclasses import dataclass

from context.packing.cursor import CursorContext
from context.packing.cursor_names import NearNames, names_near
from context.packing.imports import STAR, Binding, import_bindings
from context.packing.resolver import BASES, CLASS_KINDS, HIERARCHY_DEPTH, Resolver, nested_python_imports
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
MAX_FOUND = 48
_BUILTINS = frozenset(dir(builtins))
_SELF = frozenset({"self", "this", "cls"})
_SELF_ATTRIBUTE = re.compile(r"\bself\.([A-Za-z_]\w*)")
_CALLABLE_KINDS = frozenset({"class", "function", "method", "interface", "struct", "trait", "type", "enum", "macro"})
_TEST_PATH = re.compile(r"(^|/)(tests?|testing|__tests__)/|(^|/)test_[^/]*$|_test\.[a-z]+$|\.(spec|test)\.[a-z]+$")
_ANNOTATED = re.compile(r"([A-Za-z_]\w*)\s*:\s*([A-Za-z_][\w.]*)")
_ANNOTATED_VARIABLE = re.compile(r"^[A-Za-z_]\w*\s*:\s*\"?([A-Za-z_][\w.]*)")
_IMPORT_AT = re.compile(r"\s*(?:from\s+\S+\s+import\s|import\s)")  # match(text, pos): `^` would not hold at pos


@dataclass(frozen=True, slots=True)
class Found:
    """A definition worth showing, and why: its score and the name that led to it."""

    tag: Tag
    score: float


_Add = Callable[[list[Tag], float], None]


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
            match = BASES.search(scope.signature)
            return match.group(1) if match else ""
    return None


def cursor_definitions(doc: Document, cursor: CursorContext, view: WorkspaceView) -> list[Found]:
    """Definitions in other files of the names around the cursor, best first (module docstring)."""
    current = view.relative(doc.path)
    resolver = Resolver(view, doc.language, current)
    statements = [text for _, text in cursor.imports]
    if doc.language == "python":
        statements += nested_python_imports(doc.source)
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
    cursor: CursorContext, resolver: Resolver, by_name: dict[str, Binding], current: str | None
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
            match = _ANNOTATED_VARIABLE.match(tag.signature) if tag.kind not in CLASS_KINDS else None
            if match is not None:
                owner_bindings = {b.local: b for b in resolver.file_bindings(tag.path) if b.local != STAR}
                found = resolver.resolve_bases(match.group(1), owner_bindings, tag.path)
                found += [
                    t
                    for t in resolver.view.file_definitions(tag.path)
                    if t.name == match.group(1) and t.kind in CLASS_KINDS
                ]
                if found:
                    types[local_name] = found
    return types


def _outline(resolver: Resolver, owner: Tag, add: _Add, depth: int = 0) -> None:
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
    resolver: Resolver,
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
    resolver: Resolver,
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
