"""The shadow file framing (spoolsim.wire.shadow): golden bytes, round trips, and torn or
altered files that must raise ShadowError naming what is wrong, and nothing else."""

from __future__ import annotations

import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.shadow import MAGIC, ShadowError, decode, encode

FIELDS = {"job_id": 7, "printer_name": "Laser1", "document": "report", "submitted": 12.5}


def test_golden_bytes() -> None:
    body = b'{"document": "report", "job_id": 7, "printer_name": "Laser1", "submitted": 12.5}\n'
    expected = MAGIC + body + b"crc32 %08x\n" % zlib.crc32(MAGIC + body)
    assert encode(FIELDS) == expected
    assert decode(expected) == FIELDS


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
records = st.dictionaries(st.text(max_size=20), json_values, max_size=12)


@given(records)
def test_round_trip(fields: dict) -> None:
    assert decode(encode(fields)) == fields


@given(records, st.data())
def test_a_torn_or_altered_file_is_refused(fields: dict, data) -> None:
    raw = encode(fields)
    with pytest.raises(ShadowError):
        decode(raw[: data.draw(st.integers(0, len(raw) - 1))])
    flipped = bytearray(raw)
    flipped[data.draw(st.integers(0, len(raw) - 2))] ^= data.draw(st.integers(1, 255))
    with pytest.raises(ShadowError):
        decode(bytes(flipped))


@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_shadow_error(raw: bytes) -> None:
    for candidate in (raw, MAGIC + raw):
        try:
            decode(candidate)
        except ShadowError:
            pass


def test_errors_name_what_is_wrong() -> None:
    with pytest.raises(ShadowError, match="does not start with SPOOLSIM-SHD 1"):
        decode(b"\0" * 40)
    with pytest.raises(ShadowError, match="truncated"):
        decode(encode(FIELDS)[:-12])
    with pytest.raises(ShadowError, match="larger than any shadow file"):
        decode(MAGIC + b"x" * 300_000)
    body = b"[1, 2]\n"
    with pytest.raises(ShadowError, match="a JSON list, not an object"):
        decode(MAGIC + body + b"crc32 %08x\n" % zlib.crc32(MAGIC + body))
