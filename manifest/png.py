"""Just enough PNG to write the app icons and to sanity-check them when packaging.

Written against the PNG specification directly so that neither the build nor the icon script needs an imaging
library for two tiny pictures.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPE_RGB = 2
COLOUR_TYPE_RGBA = 6


class PngError(ValueError):
    """The bytes are not a PNG this module understands."""


@dataclass(frozen=True)
class PngHeader:
    width: int
    height: int
    bit_depth: int
    colour_type: int


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body)
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def encode_rgba(width: int, height: int, pixels: bytes) -> bytes:
    """Encode 8-bit RGBA pixels, row by row from the top, as a PNG file."""
    stride = width * 4
    if width <= 0 or height <= 0 or len(pixels) != stride * height:
        raise PngError(f"expected {stride * height} bytes of RGBA for {width}x{height}, got {len(pixels)}")
    # Filter type 0 on every row keeps the encoder trivial; the icons are small enough that the few hundred
    # bytes better filtering might save do not matter.
    raw = b"".join(b"\x00" + pixels[row * stride : (row + 1) * stride] for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPE_RGBA, 0, 0, 0)
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def read_header(data: bytes) -> PngHeader:
    """Read the image size and pixel format from the IHDR chunk, which the specification puts first."""
    if not data.startswith(SIGNATURE):
        raise PngError("missing PNG signature")
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise PngError("IHDR chunk is not where the PNG specification puts it")
    width, height, bit_depth, colour_type = struct.unpack(">IIBB", data[16:26])
    return PngHeader(width=width, height=height, bit_depth=bit_depth, colour_type=colour_type)
