"""Which syntax nodes open a named scope (class, function, module ...), per language, and their names.

Shared by :mod:`context.source.symbols` (a tag's enclosing scope) and :mod:`context.packing.cursor` (the chain of
scopes around the cursor). Kinds use the same words as tags: ``class``, ``interface``, ``function``,
``method``, ``module``, ``type``, ``enum``, ``impl``.
"""

from __future__ import annotations

from tree_sitter import Node

_JS_SCOPES = {
    "class_declaration": "class",
    "class": "class",
    "function_declaration": "function",
    "generator_function_declaration": "function",
    "function_expression": "function",
    "generator_function": "function",
    "arrow_function": "function",
    "method_definition": "method",
}
_TS_SCOPES = {
    **_JS_SCOPES,
    "abstract_class_declaration": "class",
    "interface_declaration": "interface",
    "enum_declaration": "enum",
    "internal_module": "module",
    "module": "module",
}
_CPP_SCOPES = {
    "function_definition": "function",
    "class_specifier": "class",
    "struct_specifier": "class",
    "namespace_definition": "module",
}

SCOPE_KINDS: dict[str, dict[str, str]] = {
    "python": {"class_definition": "class", "function_definition": "function"},
    "javascript": _JS_SCOPES,
    "typescript": _TS_SCOPES,
    "tsx": _TS_SCOPES,
    "go": {
        "function_declaration": "function",
        "method_declaration": "method",
        "func_literal": "function",
        "type_spec": "type",
    },
    "rust": {
        "function_item": "function",
        "impl_item": "impl",
        "trait_item": "interface",
        "mod_item": "module",
        "struct_item": "class",
        "enum_item": "enum",
    },
    "java": {
        "class_declaration": "class",
        "interface_declaration": "interface",
        "enum_declaration": "enum",
        "record_declaration": "class",
        "method_declaration": "method",
        "constructor_declaration": "method",
    },
    "c": {"function_definition": "function", "struct_specifier": "class"},
    "cpp": _CPP_SCOPES,
}

ANONYMOUS = "<anonymous>"
# An unnamed function takes the name it is bound to: `const f = () => ...`, `{f: function () {}}`.
_NAMING_PARENTS = frozenset({"variable_declarator", "pair", "assignment_expression", "public_field_definition"})


def scope_kind(language: str, node: Node) -> str | None:
    """The scope kind `node` opens in `language`, or None if it opens none."""
    kind = SCOPE_KINDS.get(language, {}).get(node.type)
    if kind == "function" and _is_method(language, node):
        return "method"
    return kind


def _is_method(language: str, node: Node) -> bool:
    """A function defined directly in a class body (Python, C++ inline members)."""
    parent = node.parent
    if parent is not None and parent.type == "decorated_definition":
        parent = parent.parent
    if language == "python":
        return parent is not None and parent.type == "block" and _type_of(parent.parent) == "class_definition"
    if language == "cpp":
        return parent is not None and parent.type == "field_declaration_list"
    return False


def _type_of(node: Node | None) -> str | None:
    return node.type if node is not None else None


def _text(node: Node | None) -> str | None:
    if node is None or node.text is None:
        return None
    return node.text.decode("utf-8", errors="replace")


def _declarator_name(node: Node) -> str | None:
    """C/C++: follow `declarator` fields down to the declared identifier."""
    current: Node | None = node
    while current is not None:
        inner = current.child_by_field_name("declarator")
        if inner is None:
            return _text(current)
        current = inner
    return None


def scope_name(node: Node) -> str:
    """A readable name for a scope node (`<anonymous>` for unnamed functions and classes)."""
    if node.type == "impl_item":
        trait, type_ = node.child_by_field_name("trait"), node.child_by_field_name("type")
        if trait is not None and type_ is not None:
            return f"{_text(trait)} for {_text(type_)}"
        return _text(type_) or ANONYMOUS
    if node.type == "function_definition" and node.child_by_field_name("name") is None:
        declarator = node.child_by_field_name("declarator")
        return (_declarator_name(declarator) if declarator is not None else None) or ANONYMOUS
    name = _text(node.child_by_field_name("name"))
    if name:
        return name
    parent = node.parent
    if parent is not None and parent.type in _NAMING_PARENTS:
        key = parent.child_by_field_name("name") or parent.child_by_field_name("key")
        key = key or parent.child_by_field_name("left")
        return _text(key) or ANONYMOUS
    return ANONYMOUS


def receiver_type(node: Node) -> str | None:
    """Go: the type a method is declared on (``func (s *Server) Start()`` -> ``Server``)."""
    if node.type != "method_declaration":
        return None
    receiver = node.child_by_field_name("receiver")
    if receiver is None:
        return None
    stack = [receiver]
    while stack:
        current = stack.pop()
        if current.type == "type_identifier":
            return _text(current)
        stack.extend(reversed(current.named_children))
    return None


def enclosing_scopes(language: str, node: Node | None) -> list[tuple[str, str, Node]]:
    """(kind, name, node) of each scope containing `node` (itself included), outermost first."""
    chain: list[tuple[str, str, Node]] = []
    current = node
    while current is not None:
        kind = scope_kind(language, current)
        if kind is not None:
            chain.append((kind, scope_name(current), current))
        current = current.parent
    chain.reverse()
    return chain
