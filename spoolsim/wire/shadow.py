"""The framing of a shadow file (``.SHD``) as ``spoolsim serve`` writes it to a real disk.

Windows' local spooler keeps each job in its spool directory as ``NNNNN.SPL`` (the data) and
``NNNNN.SHD`` (the shadow: the job's properties; ``spoolsim.model.spooldir`` says which). Its
binary layout is Windows' own; spoolsim's shadow file is text that a torn write cannot pass for
a whole one:

    SPOOLSIM-SHD 1\\n
    {"job_id": 7, "printer_name": "Laser1", ...}\\n     the fields, one line of JSON
    crc32 0f1e2d3c\\n                                   CRC-32 of the two lines above

:func:`decode` raises :class:`ShadowError` naming what is wrong, and nothing else, whatever the
bytes. Which fields there are, and how a record and its ``.SPL`` are checked against each other,
is the caller's (``spoolsim.runtime.spooldisk``).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any

MAGIC = b"SPOOLSIM-SHD 1\n"
MAX_SHADOW = 256 * 1024  # a record is well under a kilobyte plus its DEVMODE


class ShadowError(Exception):
    """A shadow file or its data that cannot be trusted; ``detail`` says why."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def encode(fields: Mapping[str, Any]) -> bytes:
    body = json.dumps(dict(fields), sort_keys=True, ensure_ascii=True).encode() + b"\n"
    head = MAGIC + body
    return head + b"crc32 %08x\n" % zlib.crc32(head)


def decode(data: bytes) -> dict[str, Any]:
    """The fields back from a shadow file's bytes."""
    if len(data) > MAX_SHADOW:
        raise ShadowError(f"{len(data)} octets: larger than any shadow file ({MAX_SHADOW})")
    if not data.startswith(MAGIC):
        raise ShadowError("does not start with SPOOLSIM-SHD 1 (not a shadow file, or torn)")
    lines = data[len(MAGIC) :].split(b"\n")
    if len(lines) != 3 or lines[2] != b"" or not lines[1].startswith(b"crc32 "):
        raise ShadowError("truncated: the record or its crc32 line is missing")
    try:
        stated = int(lines[1][6:], 16)
    except ValueError:
        raise ShadowError(f"crc32 line {lines[1][:20]!r} is not hexadecimal") from None
    if zlib.crc32(MAGIC + lines[0] + b"\n") != stated:
        raise ShadowError("CRC-32 does not match: the record was torn or altered")
    try:
        fields = json.loads(lines[0])
    except (ValueError, UnicodeDecodeError) as exc:
        raise ShadowError(f"record is not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise ShadowError(f"record is a JSON {type(fields).__name__}, not an object")
    return fields
