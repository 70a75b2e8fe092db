"""Region choice from the syntax tree."""

from __future__ import annotations

from context.source.document import Document
from server.nextedit.region import Region, choose_region

SOURCE = """import math


class Shape:
    sides: int = 0
    name: str = ""

    def __init__(self, x, y):
        self.x = x
        self.y = y

    def area(self, width, height):
        result = width * height
        return result


def report(shape):
    return shape.area(2, 3)
"""


def doc(text: str = SOURCE) -> Document:
    return Document("/w/shapes.py", text, 1)


def test_the_enclosing_method_grown_with_its_neighbours() -> None:
    # line 12 is `result = width * height` inside Shape.area (lines 11-13, 0-based)
    assert choose_region(doc(), (12, 8), max_lines=3) == Region(11, 14)
    assert choose_region(doc(), (12, 8), max_lines=7) == Region(7, 14)  # + __init__ (lines 7-9)


def test_a_field_in_a_class_body_is_its_own_member() -> None:
    assert choose_region(doc(), (4, 6), max_lines=1) == Region(4, 5)


def test_top_level_code_and_a_long_definition_cut_to_a_window() -> None:
    assert choose_region(doc(), (17, 4), max_lines=2) == Region(16, 18)  # report()
    long = "def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(100))
    region = choose_region(doc(long), (50, 4), max_lines=10)
    assert region.lines == 10 and region.contains(50)


def test_grown_to_the_lines_the_recent_edits_touched_within_the_cap() -> None:
    assert choose_region(doc(), (12, 8), touched=[(7, 8)], max_lines=7) == Region(7, 14)
    assert choose_region(doc(), (12, 8), touched=[(0, 1)], max_lines=7) == Region(7, 14)  # too far: not grown
    assert choose_region(doc(), (12, 8), touched=[(0, 1)], max_lines=20) == Region(0, 14)  # members, edit


def test_without_a_tree_a_window_around_the_cursor() -> None:
    plain = Document("/w/notes.txt", "".join(f"line {i}\n" for i in range(50)), 1)
    region = choose_region(plain, (25, 0), max_lines=20)
    assert region.contains(25) and region.lines <= 20
