"""Draw the two app icons: `python -m manifest.make_icons`.

The PNGs are committed, so this only needs running after a design change. The picture is two interlinked
circular arrows: two people, one arrow flowing left to right across the top and the other flowing back along
the bottom, because in reverse mentoring learning runs both ways.

Shapes are described once in a unit square and rasterised at each size, with supersampling for smooth edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from manifest.png import encode_rgba

Shape = Callable[[float, float], bool]
Rgb = tuple[int, int, int]
Point = tuple[float, float]

NHS_BLUE: Rgb = (0x00, 0x5E, 0xB8)
WHITE: Rgb = (0xFF, 0xFF, 0xFF)
SUPERSAMPLE = 4

RING_OFFSET = 0.34
RING_RADIUS = 0.6
STROKE = 0.15
HEAD_LENGTH = 0.3
HEAD_HALF_WIDTH = 0.21
ARC_START = -10.0
ARC_SWEEP = 280.0


@dataclass(frozen=True)
class Layout:
    """Where the unit square lands on the canvas."""

    size: int
    scale: float

    def to_unit(self, px: float, py: float) -> Point:
        half = self.size / 2
        return (px - half) / self.scale, (py - half) / self.scale


def ring(cx: float, cy: float, r: float, width: float) -> Shape:
    inner, outer = r - width / 2, r + width / 2
    return lambda x, y: inner * inner <= (x - cx) ** 2 + (y - cy) ** 2 <= outer * outer


def triangle(a: Point, b: Point, c: Point) -> Shape:
    def side(p: Point, q: Point, x: float, y: float) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    def inside(x: float, y: float) -> bool:
        s1, s2, s3 = side(a, b, x, y), side(b, c, x, y), side(c, a, x, y)
        return (s1 >= 0 and s2 >= 0 and s3 >= 0) or (s1 <= 0 and s2 <= 0 and s3 <= 0)

    return inside


def arc(cx: float, cy: float, r: float, width: float, start: float, sweep: float) -> Shape:
    """Part of a ring, from angle `start` going clockwise on screen for `sweep` degrees."""
    band = ring(cx, cy, r, width)

    def inside(x: float, y: float) -> bool:
        angle = math.degrees(math.atan2(y - cy, x - cx))
        return band(x, y) and (angle - start) % 360 <= sweep

    return inside


def arrow_arc(cx: float, cy: float, start: float, sweep: float) -> Shape:
    """A circular arrow: an arc of the emblem's ring with a head on its clockwise end."""
    end = math.radians(start + sweep)
    normal = (math.cos(end), math.sin(end))
    tangent = (-normal[1], normal[0])
    ex, ey = cx + RING_RADIUS * normal[0], cy + RING_RADIUS * normal[1]
    head = triangle(
        (ex + HEAD_LENGTH * tangent[0], ey + HEAD_LENGTH * tangent[1]),
        (ex + HEAD_HALF_WIDTH * normal[0], ey + HEAD_HALF_WIDTH * normal[1]),
        (ex - HEAD_HALF_WIDTH * normal[0], ey - HEAD_HALF_WIDTH * normal[1]),
    )
    body = arc(cx, cy, RING_RADIUS, STROKE, start, sweep)
    return lambda x, y: body(x, y) or head(x, y)


def union(*shapes: Shape) -> Shape:
    return lambda x, y: any(shape(x, y) for shape in shapes)


def emblem() -> Shape:
    """The white mark, in unit coordinates (y grows downwards, as on screen, so angles run clockwise)."""
    # The right-hand arrow is the left-hand one turned half a circle, so the top of the picture flows one way
    # and the bottom flows back.
    return union(
        arrow_arc(-RING_OFFSET, 0.0, start=ARC_START, sweep=ARC_SWEEP),
        arrow_arc(RING_OFFSET, 0.0, start=ARC_START + 180, sweep=ARC_SWEEP),
    )


def coverage(shape: Shape, layout: Layout, px: int, py: int) -> float:
    hits = 0
    for sy in range(SUPERSAMPLE):
        for sx in range(SUPERSAMPLE):
            x, y = layout.to_unit(px + (sx + 0.5) / SUPERSAMPLE, py + (sy + 0.5) / SUPERSAMPLE)
            hits += shape(x, y)
    return hits / SUPERSAMPLE**2


def blend(under: Rgb, over: Rgb, amount: float) -> Rgb:
    r, g, b = (round(u + (o - u) * amount) for u, o in zip(under, over, strict=True))
    return r, g, b


def render_colour(size: int = 192) -> bytes:
    # Teams crops the colour icon to a rounded tile, so the mark is kept inside the central 120 pixels (the
    # platform's safe region) and the blue runs to the edges.
    layout = Layout(size=size, scale=size * 60 / 192)
    shape = emblem()
    out = bytearray()
    for py in range(size):
        for px in range(size):
            out.extend((*blend(NHS_BLUE, WHITE, coverage(shape, layout, px, py)), 0xFF))
    return encode_rgba(size, size, bytes(out))


def render_outline(size: int = 32) -> bytes:
    # Teams tints the outline icon itself, so it must be white with the shape carried by alpha alone; it also
    # asks for no padding, hence the mark fills the square.
    layout = Layout(size=size, scale=size / 2 / 1.02)
    shape = emblem()
    out = bytearray()
    for py in range(size):
        for px in range(size):
            alpha = math.floor(coverage(shape, layout, px, py) * 255 + 0.5)
            out.extend((*WHITE, alpha))
    return encode_rgba(size, size, bytes(out))


def write_icons(directory: Path) -> None:
    (directory / "color.png").write_bytes(render_colour())
    (directory / "outline.png").write_bytes(render_outline())


if __name__ == "__main__":
    write_icons(Path(__file__).resolve().parent)
