"""What a file's import statements bind, and which workspace file each bound name comes from.

:func:`import_bindings` reads import statements (the text :func:`context.packing.cursor.cursor_context`
found) and returns :class:`Binding` s: the local name, the module spec as written, the imported
name (None for a module import) and, for Python, the relative level. :func:`resolve_module` maps a
spec to a workspace path given the set of indexed paths. Forms understood:

- Python: ``import a.b``, ``import a.b as m``, ``from a import b as c``, ``from . import b``,
  ``from ..a import b``, ``from a import *`` (a star binding: local name ``*``);
- JavaScript/TypeScript: ``import d from './x'``, ``import {a as b} from './x'``,
  ``import * as ns from './x'`` (paths relative to the file; ``.ts/.tsx/.js/.jsx`` and ``index.*``);
- Go: ``import "mod/pkg"`` and ``alias "mod/pkg"`` (a package: a directory whose path ends so);
- Rust: ``use crate::a::b::C;``, ``use super::x::{A, B as C};`` (``src/a/b.rs`` or ``.../mod.rs``);
- Java: ``import a.b.C;`` (``.../a/b/C.java`` under any source root).

Everything is pure and deterministic; parsed statements are cached by their text.
"""

from __future__ import annotations

import ast
import functools
import posixpath
import re
from collections.abc import Iterable, Set
from dataclasses import dataclass

STAR = "*"


@dataclass(frozen=True, slots=True)
class Binding:
    """`local` is bound by an import of `module` (as written); `name` is the imported name, None
    when the module itself is bound (``import a.b as m``, ``import * as ns``, a Go package)."""

    local: str
    module: str
    name: str | None
    level: int = 0  # Python: leading dots of a relative import


@functools.lru_cache(maxsize=4096)
def _python_bindings(statement: str) -> tuple[Binding, ...]:
    try:
        tree = ast.parse(statement.strip())
    except (SyntaxError, ValueError):
        return ()
    found: list[Binding] = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.append(Binding(alias.asname, alias.name, None))
                else:  # `import a.b` binds `a`; `a.b.c` attribute chains resolve from there
                    found.append(Binding(alias.name.split(".")[0], alias.name.split(".")[0], None))
                    if "." in alias.name:
                        found.append(Binding(alias.name, alias.name, None))
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                local = STAR if alias.name == "*" else alias.asname or alias.name
                found.append(Binding(local, module, alias.name, node.level))
    return tuple(found)


_JS_FROM = re.compile(r"""^\s*import\s+(?:type\s+)?(?P<clause>[\s\S]*?)\s+from\s+['"](?P<module>[^'"]+)['"]""")
_JS_NAMED = re.compile(r"([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?")


@functools.lru_cache(maxsize=4096)
def _js_bindings(statement: str) -> tuple[Binding, ...]:
    match = _JS_FROM.match(statement)
    if match is None:
        return ()
    module, clause = match["module"], match["clause"].strip()
    found: list[Binding] = []
    named = re.search(r"\{([^}]*)\}", clause)
    if named is not None:
        for item in _JS_NAMED.finditer(named.group(1)):
            if item.group(1) != "type":
                found.append(Binding(item.group(2) or item.group(1), module, item.group(1)))
        clause = clause[: named.start()] + clause[named.end() :]
    if (star := re.search(r"\*\s+as\s+([A-Za-z_$][\w$]*)", clause)) is not None:
        found.append(Binding(star.group(1), module, None))
        clause = clause[: star.start()] + clause[star.end() :]
    default = clause.strip(" ,")
    if re.fullmatch(r"[A-Za-z_$][\w$]*", default):
        found.append(Binding(default, module, "default"))
    return tuple(found)


_GO_SPEC = re.compile(r"""(?:(?P<alias>[A-Za-z_]\w*|\.)\s+)?"(?P<path>[^"]+)\"""")


@functools.lru_cache(maxsize=4096)
def _go_bindings(statement: str) -> tuple[Binding, ...]:
    found = []
    for match in _GO_SPEC.finditer(statement):
        path = match["path"]
        local = match["alias"] or path.rsplit("/", 1)[-1]
        found.append(Binding(STAR if local == "." else local, path, None))
    return tuple(found)


def _rust_leaves(prefix: str, body: str) -> list[tuple[str, str]]:
    """(path, local) pairs of a use tree: ``a::{b, c as d}`` -> (a::b, b), (a::c, d)."""
    body = body.strip()
    if body.endswith("}") and "{" in body:
        head, _, inner = body.partition("{")
        inner = inner[:-1]
        parts, depth, start = [], 0, 0
        for index, char in enumerate(inner):
            depth += char == "{"
            depth -= char == "}"
            if char == "," and depth == 0:
                parts.append(inner[start:index])
                start = index + 1
        parts.append(inner[start:])
        return [leaf for part in parts if part.strip() for leaf in _rust_leaves(prefix + head, part)]
    path, _, alias = body.partition(" as ")
    full = prefix + path.strip()
    return [(full, alias.strip() or full.rsplit("::", 1)[-1])]


@functools.lru_cache(maxsize=4096)
def _rust_bindings(statement: str) -> tuple[Binding, ...]:
    match = re.match(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([\s\S]+?);?\s*$", statement)
    if match is None:
        return ()
    found = []
    for path, local in _rust_leaves("", match.group(1)):
        module, _, name = path.rpartition("::")
        found.append(Binding(STAR if name == "*" else local, module, None if name in ("self", "*") else name))
    return tuple(found)


@functools.lru_cache(maxsize=4096)
def _java_bindings(statement: str) -> tuple[Binding, ...]:
    match = re.match(r"^\s*import\s+(static\s+)?([\w.]+)(\.\*)?\s*;", statement)
    if match is None:
        return ()
    path = match.group(2)
    if match.group(3):
        return (Binding(STAR, path, STAR),)
    module, _, name = path.rpartition(".")
    return (Binding(name, module, name),)


_PARSERS = {
    "python": _python_bindings,
    "javascript": _js_bindings,
    "typescript": _js_bindings,
    "tsx": _js_bindings,
    "go": _go_bindings,
    "rust": _rust_bindings,
    "java": _java_bindings,
}


def import_bindings(language: str | None, statements: Iterable[str]) -> tuple[Binding, ...]:
    """The bindings of `statements` (in order; a later binding of the same local name wins when
    looked up through :func:`bindings_by_name`)."""
    parse = _PARSERS.get(language or "")
    if parse is None:
        return ()
    return tuple(binding for statement in statements for binding in parse(statement))


def bindings_by_name(bindings: Iterable[Binding]) -> dict[str, Binding]:
    """Local name -> its binding (the last one wins, as at run time); star bindings left out."""
    return {b.local: b for b in bindings if b.local != STAR}


# -- modules to paths ----------------------------------------------------------------------------

_JS_EXTENSIONS = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs")


def python_roots(current: str, paths: Set[str]) -> tuple[str, ...]:
    """Folders absolute imports start from: above the current file's top package, then ``src``,
    ``lib`` and the workspace root."""
    folder = posixpath.dirname(current)
    while folder and f"{folder}/__init__.py" in paths:
        folder = posixpath.dirname(folder)
    return tuple(dict.fromkeys([folder, "src", "lib", ""]))


def _join(folder: str, rest: str) -> str:
    return posixpath.normpath(posixpath.join(folder, rest)) if folder else posixpath.normpath(rest)


def resolve_module(language: str | None, binding: Binding, current: str, paths: Set[str]) -> str | None:
    """The workspace path of the module `binding` imports from (a Go package: one file of it), or
    None when it is not in `paths` (the standard library, a dependency)."""
    if language == "python":
        return _resolve_python(binding.module, binding.level, current, paths)
    if language in ("javascript", "typescript", "tsx"):
        return _resolve_js(binding.module, current, paths)
    if language == "go":
        return _resolve_suffix_folder(binding.module.split("/"), ".go", paths)
    if language == "rust":
        return _resolve_rust(binding.module, current, paths)
    if language == "java":
        return _resolve_java(binding.module.split("."), binding.name, paths)
    return None


def _resolve_python(module: str, level: int, current: str, paths: Set[str]) -> str | None:
    rest = module.replace(".", "/")
    if level:
        folder = posixpath.dirname(current)
        for _ in range(level - 1):
            folder = posixpath.dirname(folder)
        bases: tuple[str, ...] = (folder,)
    else:
        bases = python_roots(current, paths)
    for base in bases:
        stem = _join(base, rest) if rest else base
        for candidate in (f"{stem}.py", f"{stem}/__init__.py" if stem else "__init__.py"):
            if candidate in paths:
                return candidate
    return None


def python_submodule(module_path: str, name: str, paths: Set[str]) -> str | None:
    """``from pkg import name`` where `name` is a module of the package at `module_path`."""
    if not module_path.endswith("__init__.py"):
        return None
    folder = posixpath.dirname(module_path)
    for candidate in (_join(folder, f"{name}.py"), _join(folder, f"{name}/__init__.py")):
        if candidate in paths:
            return candidate
    return None


def _resolve_js(module: str, current: str, paths: Set[str]) -> str | None:
    if not module.startswith("."):
        return None
    stem = _join(posixpath.dirname(current), module)
    if stem in paths:
        return stem
    base = re.sub(r"\.(js|jsx|mjs|cjs)$", "", stem)
    for candidate in [base + ext for ext in _JS_EXTENSIONS] + [f"{base}/index{ext}" for ext in _JS_EXTENSIONS]:
        if candidate in paths:
            return candidate
    return None


def _resolve_suffix_folder(parts: list[str], extension: str, paths: Set[str]) -> str | None:
    """A file with `extension` in the deepest folder whose path ends with `parts` (first by name)."""
    for keep in range(len(parts), 0, -1):
        tail = "/".join(parts[-keep:]) + "/"
        found = sorted(
            p for p in paths if p.endswith(extension) and ("/" + p).rsplit("/", 1)[0].endswith("/" + tail[:-1])
        )
        if found:
            return found[0]
    return None


def _resolve_rust(module: str, current: str, paths: Set[str]) -> str | None:
    parts = module.split("::")
    if not parts or not parts[0]:
        return None
    if parts[0] == "crate":
        src = current.split("/src/", 1)[0] + "/src" if "/src/" in current else "src"
        folder, parts = src, parts[1:]
    elif parts[0] in ("self", "super"):
        folder = posixpath.dirname(current)
        while parts and parts[0] in ("self", "super"):
            if parts[0] == "super":
                folder = posixpath.dirname(folder)
            parts = parts[1:]
    else:
        return None
    if not parts:
        return None
    stem = _join(folder, "/".join(parts))
    for candidate in (f"{stem}.rs", f"{stem}/mod.rs"):
        if candidate in paths:
            return candidate
    return None


def _resolve_java(parts: list[str], name: str | None, paths: Set[str]) -> str | None:
    if name and name != STAR:
        tail = "/".join([*parts, name]) + ".java"
        found = sorted(p for p in paths if p == tail or p.endswith("/" + tail))
        return found[0] if found else None
    return _resolve_suffix_folder(parts, ".java", paths)
