"""lz-string's ``decompressFromBase64``, the encoding of old posthog-js ``compression=lz64`` bodies,
with an output cap enforced while decoding.

lz-string is LZW over UTF-16 code units: each code is read low bit first from a stream of
base64 characters taken high bit first; codes 0 and 1 introduce an 8- or 16-bit literal, 2 ends
the stream, and every other code names a dictionary entry (the entry being defined may be named
once, the ``cScSc`` case). The code width grows by one bit each time the dictionary doubles.

The reference decoder builds the whole output before anyone can look at its size, so a 69 KB
body can expand to gigabytes. Here the output is counted as it is produced and the call stops
with ``OutputTooLarge`` the moment it passes ``max_chars``; the dictionary shares the output's
strings, so memory stays within a small multiple of the cap. Anything that is not a complete,
valid stream (a character outside the base64 alphabet, a code naming no entry, input that ends
before the end code) raises ``InvalidLzString``.
"""

from __future__ import annotations

import re

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
# Each character's 6-bit value with its bits reversed, so that a plain low-bits-first
# accumulator yields codes in the order lz-string reads them. "=" (value 64) carries no bits.
_REVERSED_VALUES = {char: int(f"{index & 63:06b}"[::-1], 2) for index, char in enumerate(_ALPHABET)}
_SURROGATE = re.compile("[\ud800-\udfff]")
_END_CODE = 2
_FIRST_ENTRY = 3


class InvalidLzString(ValueError):
    """The input is not a complete lz-string base64 stream."""


class OutputTooLarge(Exception):
    """The decompressed text would be longer than the cap."""


class _BitReader:
    """Codes of a given width from base64 text; past the end the stream reads as zero bits."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._next_index = 0
        self._accumulator = 0
        self._available = 0
        self._total_bits = 6 * len(text)

    def read(self, width: int) -> int:
        while self._available < width:
            value = 0
            if self._next_index < len(self._text):
                try:
                    value = _REVERSED_VALUES[self._text[self._next_index]]
                except KeyError:
                    raise InvalidLzString("character outside the base64 alphabet") from None
            self._next_index += 1
            self._accumulator |= value << self._available
            self._available += 6
        code = self._accumulator & ((1 << width) - 1)
        self._accumulator >>= width
        self._available -= width
        return code

    def exhausted(self) -> bool:
        consumed = 6 * self._next_index - self._available
        return consumed >= self._total_bits


def _literal(bits: _BitReader, code: int) -> str | None:
    """The literal that control code 0 or 1 introduces; None for any other code."""
    if code == 0:
        return chr(bits.read(8))
    if code == 1:
        return chr(bits.read(16))
    return None


class _Decoder:
    def __init__(self, text: str, max_chars: int) -> None:
        self.bits = _BitReader(text)
        self.max_chars = max_chars
        self.dictionary: list[str] = ["", "", ""]  # codes 0-2 are control codes, never entries
        self.pieces: list[str] = []
        self.length = 0
        self.width = 3
        self.enlarge_in = 4

    def _emit(self, piece: str) -> None:
        self.length += len(piece)
        if self.length > self.max_chars:
            raise OutputTooLarge
        self.pieces.append(piece)

    def _count_entry(self) -> None:
        self.enlarge_in -= 1
        if self.enlarge_in == 0:
            self.enlarge_in = 1 << self.width
            self.width += 1

    def run(self) -> str:
        first = _literal(self.bits, self.bits.read(2))
        if first is None:
            raise InvalidLzString("the stream starts with no literal")
        self.dictionary.append(first)
        self._emit(first)
        previous = first
        while True:
            if self.bits.exhausted():
                raise InvalidLzString("the stream ends before its end code")
            code = self.bits.read(self.width)
            if code == _END_CODE:
                return _joined_code_points("".join(self.pieces))
            literal = _literal(self.bits, code)
            if literal is not None:
                self.dictionary.append(literal)
                code = len(self.dictionary) - 1
                self._count_entry()
            previous = self._step(code, previous)

    def _step(self, code: int, previous: str) -> str:
        if _FIRST_ENTRY <= code < len(self.dictionary):
            entry = self.dictionary[code]
            self.dictionary.append(previous + entry[0])
        elif code == len(self.dictionary):
            # The entry being defined is previous + its own first character: share one string.
            entry = previous + previous[0]
            self.dictionary.append(entry)
        else:
            raise InvalidLzString("a code names no dictionary entry")
        self._emit(entry)
        self._count_entry()
        return entry


def _joined_code_points(text: str) -> str:
    """UTF-16 surrogate pairs (how JavaScript holds emoji) as the characters they encode; a lone
    surrogate (a cut emoji) stays as it is, for the JSON layer to handle."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def lz_string_decompress_base64(text: str, *, max_chars: int) -> str:
    """Decompress lz-string base64 ``text``; ``OutputTooLarge`` past ``max_chars`` characters."""
    if not text:
        raise InvalidLzString("empty input")
    return _Decoder(text, max_chars).run()
