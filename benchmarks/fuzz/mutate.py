"""A seeded mutation engine: golden messages in, hostile variants out.

Why not Hypothesis here: a campaign draws hundreds of thousands of inputs per front end, and
Hypothesis's engine spends on the order of a millisecond per example (drawing through its choice
sequence, health checks, the example database, shrinking bookkeeping), where a plain
``random.Random`` mutator spends microseconds. Mutating *golden* messages (whole, valid requests
built by each front end's generator) also gets far deeper than random bytes: most variants keep
the framing a server checks first and break one field, which is where parsers go wrong. The
short pytest version (``tests/fuzz``) drives the same generators from Hypothesis-chosen seeds, so
a failure there shrinks to one seed and replays exactly.

Every choice comes from one ``random.Random(seed)``: the same seed gives the same inputs, in
the same order, on every machine.
"""

from __future__ import annotations

import random
import struct
from collections.abc import Callable, Sequence

INTERESTING_8 = (0x00, 0x01, 0x7F, 0x80, 0xFF, 0x0A, 0x0D, 0x0C, 0x1B, 0x20, 0x22, 0x3D)
INTERESTING_16 = (0, 1, 0x7FFF, 0x8000, 0xFFFF, 16, 4096, 5840, 5841)
INTERESTING_32 = (0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 4 * 1024 * 1024 + 1)


class Mutator:
    """Mutations of byte strings, drawn from ``rng``.

    Args:
        rng: the random stream (one per generator, seeded).
        tokens: protocol words worth inserting (keywords, delimiters, magic numbers).
        max_size: variants are cut to this many octets.
    """

    def __init__(
        self, rng: random.Random, tokens: Sequence[bytes] = (), *, max_size: int = 1 << 16
    ) -> None:
        self.rng = rng
        self.tokens = tuple(tokens) or (b"\x00", b"\xff")
        self.max_size = max_size
        self._ops: tuple[Callable[[bytearray], None], ...] = (
            self._flip_bit,
            self._set_byte,
            self._interesting_byte,
            self._interesting_word,
            self._insert_random,
            self._insert_token,
            self._replace_with_token,
            self._delete,
            self._duplicate,
            self._repeat,
            self._truncate,
            self._swap,
        )

    def mutate(self, data: bytes, rounds: int | None = None) -> bytes:
        """``data`` with 1 to 8 mutations (fewer more often), cut to ``max_size``."""
        rng = self.rng
        buf = bytearray(data)
        for _ in range(rounds if rounds is not None else rng.choice((1, 1, 1, 2, 2, 3, 4, 8))):
            rng.choice(self._ops)(buf)
        return bytes(buf[: self.max_size])

    def maybe(self, data: bytes, chance: float) -> bytes:
        """``data`` mutated with probability ``chance``, else unchanged."""
        return self.mutate(data) if self.rng.random() < chance else data

    def _at(self, buf: bytearray) -> int:
        return self.rng.randrange(len(buf) + 1)

    def _flip_bit(self, buf: bytearray) -> None:
        if buf:
            i = self.rng.randrange(len(buf))
            buf[i] ^= 1 << self.rng.randrange(8)

    def _set_byte(self, buf: bytearray) -> None:
        if buf:
            buf[self.rng.randrange(len(buf))] = self.rng.randrange(256)

    def _interesting_byte(self, buf: bytearray) -> None:
        if buf:
            buf[self.rng.randrange(len(buf))] = self.rng.choice(INTERESTING_8)

    def _interesting_word(self, buf: bytearray) -> None:
        rng = self.rng
        if rng.random() < 0.5:
            raw = struct.pack(rng.choice(("<H", ">H")), rng.choice(INTERESTING_16))
        else:
            raw = struct.pack(rng.choice(("<I", ">I")), rng.choice(INTERESTING_32))
        if len(buf) >= len(raw):
            at = rng.randrange(len(buf) - len(raw) + 1)
            buf[at : at + len(raw)] = raw

    def _insert_random(self, buf: bytearray) -> None:
        n = self.rng.choice((1, 1, 2, 4, 8, 32))
        at = self._at(buf)
        buf[at:at] = self.rng.randbytes(n)

    def _insert_token(self, buf: bytearray) -> None:
        at = self._at(buf)
        buf[at:at] = self.rng.choice(self.tokens)

    def _replace_with_token(self, buf: bytearray) -> None:
        token = self.rng.choice(self.tokens)
        at = self._at(buf)
        buf[at : at + len(token)] = token

    def _delete(self, buf: bytearray) -> None:
        if buf:
            at = self.rng.randrange(len(buf))
            del buf[at : at + self.rng.choice((1, 1, 2, 4, 16, 64))]

    def _duplicate(self, buf: bytearray) -> None:
        if buf:
            at = self.rng.randrange(len(buf))
            chunk = buf[at : at + self.rng.choice((1, 4, 16, 64))]
            to = self._at(buf)
            buf[to:to] = chunk

    def _repeat(self, buf: bytearray) -> None:
        if buf:
            at = self.rng.randrange(len(buf))
            chunk = buf[at : at + self.rng.choice((1, 2, 8))]
            times = self.rng.choice((16, 128, 1024))
            buf[at:at] = chunk * min(times, max(self.max_size // max(len(chunk), 1), 1))

    def _truncate(self, buf: bytearray) -> None:
        if buf:
            del buf[self.rng.randrange(len(buf)) :]

    def _swap(self, buf: bytearray) -> None:
        if len(buf) >= 4:
            n = self.rng.choice((1, 2, 4))
            i, j = self.rng.randrange(len(buf) - n + 1), self.rng.randrange(len(buf) - n + 1)
            buf[i : i + n], buf[j : j + n] = buf[j : j + n], buf[i : i + n]


def words(rng: random.Random, alphabet: str, low: int = 1, high: int = 12) -> str:
    """A word of ``low`` to ``high`` characters of ``alphabet``."""
    return "".join(rng.choices(alphabet, k=rng.randint(low, high)))


PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/ "
