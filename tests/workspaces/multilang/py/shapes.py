"""Shapes and their areas."""

import math
from dataclasses import dataclass

from .units import Unit, convert

PI_APPROX = 3.14
default_unit = Unit("cm")


@dataclass
class Shape:
    name: str

    def area(self) -> float:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return self.name.title()


class Circle(Shape):
    def __init__(self, radius: float) -> None:
        super().__init__("circle")
        self.radius = radius

    def area(self) -> float:
        return math.pi * self.radius**2


def total_area(shapes: list[Shape], unit: Unit = default_unit) -> float:
    def one(shape: Shape) -> float:
        return convert(shape.area(), unit)

    return sum(one(s) for s in shapes)
