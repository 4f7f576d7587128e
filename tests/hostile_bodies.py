"""Builders of hostile capture bodies (no tests here): small on the wire, huge once decoded.

Each returns raw request bytes; ``HOSTILE_BODIES`` names the corpus the decoding and reliability
tests send, with the content type each is sent as.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Callable
from urllib.parse import urlencode

_LZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def gzip_bomb(expanded_bytes: int = 200_000_000) -> bytes:
    """gzip of a JSON array padded with spaces: valid up to the end, a thousandfold compression."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = b" " * 1_000_000
    parts = [compressor.compress(b"[")]
    parts += [compressor.compress(chunk) for _ in range(expanded_bytes // len(chunk))]
    return b"".join([*parts, compressor.compress(b"]"), compressor.flush()])


def deflate_bomb(expanded_bytes: int = 200_000_000) -> bytes:
    """The same as ``gzip_bomb`` in the zlib format (``78 da``), as deflate clients send it."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    chunk = b" " * 1_000_000
    parts = [compressor.compress(chunk) for _ in range(expanded_bytes // len(chunk))]
    return b"".join([compressor.compress(b"["), *parts, compressor.compress(b"]"), compressor.flush()])


def lz_string_bomb(steps: int = 47_000, literal: str = " ") -> str:
    """lz-string base64 whose every code names the entry being defined (LZW's ``cScSc`` case):
    after ``steps`` codes it expands to ``1 + steps * (steps + 3) / 2`` characters (47,000 steps:
    ~115 KB of base64 for 1.1 G characters)."""
    bits: list[int] = []

    def write(code: int, width: int) -> None:
        bits.extend((code >> position) & 1 for position in range(width))

    wide = ord(literal) > 0xFF
    write(1 if wide else 0, 2)
    write(ord(literal), 16 if wide else 8)
    dictionary_size, width, enlarge_in = 4, 3, 4
    for _ in range(steps):
        write(dictionary_size, width)
        dictionary_size += 1
        enlarge_in -= 1
        if enlarge_in == 0:
            enlarge_in, width = 1 << width, width + 1
    write(2, width)
    bits.extend([0] * (-len(bits) % 6))
    groups = (bits[index : index + 6] for index in range(0, len(bits), 6))
    return "".join(_LZ_ALPHABET[int("".join(map(str, group)), 2)] for group in groups)


def dense_json_gzip(expanded_bytes: int = 19_000_000) -> bytes:
    """gzip of ``[[],[],…]`` under the size cap: millions of containers once parsed."""
    return gzip.compress(b"[" + b"[]," * (expanded_bytes // 3) + b"[]]", compresslevel=6)


def deep_nesting_gzip(depth: int = 5_000_000) -> bytes:
    return gzip.compress(b"[" * depth + b"]" * depth, compresslevel=6)


def form(data: str, **fields: str) -> bytes:
    return urlencode({"data": data, **fields}).encode()


FORM = "application/x-www-form-urlencoded"

# name → (builder of the body, content type); every one is refused without expanding it.
HOSTILE_BODIES: dict[str, tuple[Callable[[], bytes], str]] = {
    "gzip_bomb": (gzip_bomb, "text/plain"),
    "deflate_bomb": (deflate_bomb, "text/plain"),
    "lz64_bomb": (lambda: form(lz_string_bomb(), compression="lz64"), FORM),
    "lz64_bomb_two_byte_characters": (lambda: form(lz_string_bomb(literal="漢"), compression="lz64"), FORM),
    "base64_of_gzip_bomb": (lambda: form(base64.b64encode(gzip_bomb()).decode()), FORM),
    "dense_json_under_the_cap": (dense_json_gzip, "text/plain"),
    "deep_nesting": (deep_nesting_gzip, "text/plain"),
}
