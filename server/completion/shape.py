"""Single line or multi-line: what kind of suggestion fits the cursor position.

The facts come from the syntax tree at the cursor (``context.packing.cursor``, through the packed context):
inside an empty block body (``def f():`` then Enter) the user wants the body, so multi-line; in
the middle of an expression, or with code to the right of the cursor, they want the rest of the
line. The packed context's ``multi_line`` is exactly that decision, so what ``outrider context``
shows and what the completion does never disagree.
"""

from __future__ import annotations

from typing import Literal

Shape = Literal["single_line", "multi_line"]


def shape_for(multi_line: bool) -> Shape:
    return "multi_line" if multi_line else "single_line"
