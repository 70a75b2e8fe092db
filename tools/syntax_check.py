"""Syntax sanity of proposed text with tree-sitter: where the parser found errors.

Used twice: :mod:`tools.propose_edit` warns the model at once, and the agent's validation refuses
an edit that introduces errors the original text did not have.
"""

from __future__ import annotations

from dataclasses import dataclass

from context.source.languages import get_parser, language_for_path


@dataclass(frozen=True, slots=True)
class SyntaxProblem:
    line: int  # 1-based
    kind: str  # "error" or "missing <node type>"


def syntax_problems(text: str, path: str) -> list[SyntaxProblem] | None:
    """The parse errors in `text`, or None when the file's language is not one we parse."""
    language = language_for_path(path)
    if language is None:
        return None
    tree = get_parser(language).parse(text.encode("utf-8", "surrogatepass"))
    root = tree.root_node
    if not root.has_error:
        return []
    problems: list[SyntaxProblem] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_error:
            problems.append(SyntaxProblem(node.start_point.row + 1, "error"))
            continue
        if node.is_missing:
            problems.append(SyntaxProblem(node.start_point.row + 1, f"missing {node.type}"))
            continue
        if node.has_error:
            stack.extend(node.children)
    return sorted(set(problems), key=lambda p: (p.line, p.kind))


def new_syntax_problems(old: str | None, new: str, path: str) -> list[SyntaxProblem]:
    """Problems in `new` beyond those already in `old` (counted, since lines move when editing)."""
    after = syntax_problems(new, path)
    if not after:
        return []
    before = syntax_problems(old, path) if old is not None else []
    if before is not None and len(after) <= len(before):
        return []
    return after


def describe(problems: list[SyntaxProblem]) -> str:
    shown = ", ".join(f"line {p.line} ({p.kind})" for p in problems[:10])
    more = f" and {len(problems) - 10} more" if len(problems) > 10 else ""
    return f"syntax errors at {shown}{more}"
