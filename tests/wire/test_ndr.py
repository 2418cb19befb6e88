"""The NDR 2.0 engine: alignment, pointers and deferral, arrays, strings, unions, errors."""

from __future__ import annotations

import struct
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire import ndr
from spoolsim.wire.ndr import (
    BYTE,
    BYTES,
    DWORD,
    ENUM,
    FILETIME,
    GUID,
    HYPER,
    PWSTR,
    SYSTEMTIME,
    USHORT,
    WCHARS,
    WSTR,
    ConformantArray,
    NdrError,
    Struct,
    Union,
    Unique,
    decode,
    encode,
)

# -- Hypothesis values for any descriptor (shared with test_winspool) ----------------------------

_RANGES = {
    "B": (0, 2**8 - 1),
    "H": (0, 2**16 - 1),
    "h": (-(2**15), 2**15 - 1),
    "I": (0, 2**32 - 1),
    "i": (-(2**31), 2**31 - 1),
    "Q": (0, 2**64 - 1),
    "q": (-(2**63), 2**63 - 1),
}
# Fields whose value a union's switch_is reads (the IDL's discriminating members).
_SWITCH_FIELDS = ("Level", "ePropertyType", "Reserved", "dwBidiType", "eEventType", "kind")
_TEXT = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=12)


def values(t: ndr.NdrType, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of ``t`` that encode and decode back to themselves."""
    if isinstance(t, ndr.Prim):
        code = t.st.format[-1]
        if code == "f":
            return st.floats(width=32, allow_nan=False)
        lo, hi = _RANGES[code]
        return st.integers(lo, hi)
    if isinstance(t, ndr.ContextHandle):
        return st.binary(min_size=20, max_size=20)
    if t is FILETIME:
        return st.integers(0, 2**64 - 1)
    if t is GUID:
        return st.uuids()
    if isinstance(t, ndr.FixedBytes):
        return st.binary(min_size=t.n, max_size=t.n)
    if isinstance(t, ndr.FixedWString):
        return _TEXT.filter(lambda s: len(s.encode("utf-16-le")) <= 2 * t.n)
    if isinstance(t, ndr.FixedArray):
        if t.elem is BYTE:
            return st.binary(min_size=t.n, max_size=t.n)
        return st.tuples(*[values(t.elem, depth)] * t.n)
    if isinstance(t, ndr.VaryingString):
        if t.wide:
            return _TEXT
        return st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=12)
    if isinstance(t, ConformantArray):
        if t.elem is BYTE:
            return st.binary(max_size=40)
        if t.elem is ndr._WCHAR:
            return st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
        return st.lists(values(t.elem, depth + 1), max_size=3 if depth < 2 else 1).map(tuple)
    if isinstance(t, Unique):
        return st.none() | values(t.target, depth)
    if isinstance(t, Struct):
        return _struct_values(t, depth)
    raise AssertionError(f"no strategy for {t!r}")


def _struct_values(t: Struct, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    plain = {name: values(ft, depth) for name, ft in t.fields if not isinstance(ft, Union)}
    unions = [(name, ft) for name, ft in t.fields if isinstance(ft, Union)]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        d = {name: draw(s) for name, s in plain.items()}
        for name, u in unions:
            case = draw(st.sampled_from(sorted(u.arms)))
            switch = next(f for f in _SWITCH_FIELDS if f in d)
            d[switch] = case
            _, arm = u.arms[case]
            d[name] = None if arm is None else draw(values(arm, depth))
        return {name: d[name] for name, _ in t.fields}

    return build()


# -- golden bytes ---------------------------------------------------------------------------------


def test_primitives_align_to_their_size_from_the_stub_start():
    types = [("a", BYTE), ("b", USHORT), ("c", DWORD), ("d", HYPER), ("e", BYTE), ("f", DWORD)]
    data = encode(types, {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}, "M")
    assert data == (
        b"\x01\x00"
        + b"\x02\x00"
        + b"\x03\x00\x00\x00"
        + b"\x04"
        + bytes(7)
        + b"\x05"
        + bytes(3)
        + b"\x06\x00\x00\x00"
    )
    assert decode(types, data, "M") == {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6}


def test_top_level_unique_string_then_null():
    data = encode([("s", PWSTR), ("n", PWSTR), ("x", DWORD)], {"s": "ab", "x": 7}, "M")
    assert data == (
        struct.pack("<I", 0x20000)
        + struct.pack("<III", 3, 0, 3)
        + "ab\0".encode("utf-16-le")
        + b"\0\0"  # alignment of the next referent id
        + struct.pack("<I", 0)
        + struct.pack("<I", 7)
    )


INNER = Struct("INNER", ("v", DWORD), ("q", PWSTR))
OUTER = Struct("OUTER", ("p1", PWSTR), ("inner", Unique(INNER)), ("p2", PWSTR), ("n", DWORD))


def test_embedded_referents_follow_the_outermost_structure_depth_first():
    value = {"p1": "A", "inner": {"v": 9, "q": "B"}, "p2": "C", "n": 5}
    data = encode([("o", OUTER)], {"o": value}, "M")

    def s(text):
        raw = (text + "\0").encode("utf-16-le")
        return struct.pack("<III", len(raw) // 2, 0, len(raw) // 2) + raw

    expected = (
        struct.pack("<IIII", 0x20000, 0x20004, 0x20008, 5)  # OUTER's scalars
        + s("A")  # p1's referent
        + struct.pack("<II", 9, 0x2000C)  # inner's referent: its scalars ...
        + s("B")  # ... then its own deferred pointer, before p2's referent
        + s("C")
    )
    assert data == expected
    assert decode([("o", OUTER)], data, "M") == {"o": value}


def test_conformant_structure_carries_max_count_first():
    elem = Struct("E", ("h", USHORT))
    conf = Struct("C", ("Count", DWORD), ("a", HYPER), ("items", ConformantArray(elem)))
    value = {"Count": 2, "a": 1, "items": ({"h": 7}, {"h": 8})}
    data = encode([("c", conf)], {"c": value}, "M")
    # max_count, the gap to the structure's 8-alignment, then Count, a, the elements:
    assert data == (
        struct.pack("<I", 2)
        + bytes(4)
        + struct.pack("<I", 2)
        + bytes(4)
        + struct.pack("<Q", 1)
        + struct.pack("<HH", 7, 8)
    )
    assert decode([("c", conf)], data, "M") == {"c": value}


MIXED = Union(
    ENUM,
    {1: ("small", DWORD), 2: ("big", HYPER), 3: ("s", PWSTR)},
    lambda s: s["kind"],
)
HOLDER = Struct("HOLDER", ("kind", ENUM), ("u", MIXED))


def test_union_counts_its_largest_arm_but_aligns_only_discriminant_and_arm():
    """The structure aligns to 8 (the hyper arm); inside it the discriminant and the selected
    arm each align to their own type, as MIDL's DCE unions do."""
    types = [("pad", BYTE), ("h", HOLDER)]
    data = encode(types, {"pad": 0, "h": {"kind": 1, "u": 5}}, "M")
    # HOLDER at 8: kind at 8, the discriminant at 10, the DWORD arm at 12.
    assert data == b"\0" + bytes(7) + b"\x01\x00" + b"\x01\x00" + b"\x05\0\0\0"
    assert decode(types, data, "M")["h"] == {"kind": 1, "u": 5}
    data = encode(types, {"pad": 0, "h": {"kind": 2, "u": 7}}, "M")
    # The hyper arm aligns itself to 16.
    assert data == b"\0" + bytes(7) + b"\x02\x00\x02\x00" + bytes(4) + struct.pack("<Q", 7)


def test_union_discriminant_must_match_switch_is():
    data = bytearray(encode([("h", HOLDER)], {"h": {"kind": 1, "u": 5}}, "M"))
    data[2] = 2  # the wire discriminant now says 2, the kind field 1
    with pytest.raises(NdrError, match=r"^M\.h\.u: union discriminant 2 but switch_is gives 1$"):
        decode([("h", HOLDER)], bytes(data), "M")


def test_union_without_the_arm():
    data = struct.pack("<HH", 9, 9)
    with pytest.raises(NdrError, match=r"^M\.h\.u: no union arm for discriminant 9$"):
        decode([("h", HOLDER)], data, "M")


def test_string_past_the_end_names_the_field_path():
    doc = Struct("DOC", ("pDocName", PWSTR))
    data = struct.pack("<I", 0x20000) + struct.pack("<III", 400, 0, 400) + b"a\0"
    with pytest.raises(NdrError) as err:
        decode([("pDoc", doc)], data, "Rpc")
    assert (
        err.value.detail
        == "Rpc.pDoc.pDocName: string actual_count 400 runs past the end of the stub"
    )


def test_string_counts_must_be_consistent():
    data = struct.pack("<III", 2, 1, 2) + bytes(6)
    with pytest.raises(NdrError, match="offset 1 \\+ actual_count 2 exceed max_count 2"):
        decode([("s", WSTR)], data, "M")


def test_hostile_counts_are_refused_before_allocating():
    arr = ConformantArray(Struct("E", ("a", DWORD), ("b", PWSTR)))
    with pytest.raises(NdrError, match="max_count 4294967295 needs more than the 0 octets"):
        decode([("a", arr)], struct.pack("<I", 0xFFFFFFFF), "M")
    with pytest.raises(NdrError, match=r"^M\.b: max_count 4294967295 needs more than the 0"):
        decode([("b", BYTES)], struct.pack("<I", 0xFFFFFFFF), "M")
    with pytest.raises(NdrError, match="string actual_count 4294967295"):
        decode([("s", WSTR)], struct.pack("<III", 0xFFFFFFFF, 0, 0xFFFFFFFF), "M")


def test_trailing_octets_are_accepted_and_not_read():
    assert decode([("x", DWORD)], struct.pack("<I", 3) + bytes(13), "M") == {"x": 3}


def test_strings_end_at_their_first_nul_and_keep_lone_surrogates():
    raw = "ab\0cd\0".encode("utf-16-le")
    data = struct.pack("<III", 6, 0, 6) + raw
    assert decode([("s", WSTR)], data, "M") == {"s": "ab"}
    lone = "\ud800x"
    assert decode([("s", WSTR)], encode([("s", WSTR)], {"s": lone}, "M"), "M") == {"s": lone}


def test_wchar_arrays_keep_every_character():
    data = encode([("w", WCHARS)], {"w": "a\0b\0\0"}, "M")
    assert data == struct.pack("<I", 5) + "a\0b\0\0".encode("utf-16-le")
    assert decode([("w", WCHARS)], data, "M") == {"w": "a\0b\0\0"}


def test_mapped_types():
    types = [("f", FILETIME), ("g", GUID), ("t", SYSTEMTIME)]
    g = uuid.UUID("01234567-89ab-cdef-0123-456789abcdef")
    value = {"f": 0x0123456789ABCDEF, "g": g, "t": (2024, 5, 3, 9, 10, 11, 12, 13)}
    data = encode(types, value, "M")
    assert data[:8] == struct.pack("<II", 0x89ABCDEF, 0x01234567)
    assert data[8:24] == g.bytes_le
    assert data[24:] == struct.pack("<8H", 2024, 5, 3, 9, 10, 11, 12, 13)
    assert decode(types, data, "M") == value


def test_encoding_what_does_not_fit_is_our_error():
    with pytest.raises(ValueError, match=r"M\.x"):
        encode([("x", DWORD)], {"x": -1}, "M")
    with pytest.raises(ValueError, match="context handle is 20 octets"):
        encode([("h", ndr.CONTEXT_HANDLE)], {"h": b"short"}, "M")
    with pytest.raises(ValueError, match="cannot be NULL"):
        encode([("s", WSTR)], {}, "M")


def test_a_megabyte_is_sliced_not_looped():
    payload = bytes(range(256)) * 4096
    data = encode([("b", BYTES), ("n", DWORD)], {"b": payload, "n": len(payload)}, "M")
    out = decode([("b", BYTES), ("n", DWORD)], data, "M")
    assert out["b"] == payload and out["n"] == 1 << 20


# -- properties -----------------------------------------------------------------------------------

COMPOSITE = [("h", HOLDER), ("o", Unique(OUTER)), ("b", BYTES), ("w", Unique(WCHARS))]


@given(st.fixed_dictionaries({name: values(t) for name, t in COMPOSITE}))
def test_round_trip(value):
    assert decode(COMPOSITE, encode(COMPOSITE, value, "M"), "M") == value


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_ndr_error(data):
    try:
        decode(COMPOSITE, data, "M")
    except NdrError as err:
        assert err.detail.startswith("M.")


@given(
    st.fixed_dictionaries({name: values(t) for name, t in COMPOSITE}),
    st.lists(st.tuples(st.integers(0, 400), st.integers(0, 255)), max_size=6),
    st.integers(0, 400),
)
def test_mutated_bytes_raise_only_ndr_error(value, flips, cut):
    data = bytearray(encode(COMPOSITE, value, "M"))
    for at, byte in flips:
        if data:
            data[at % len(data)] = byte
    try:
        decode(COMPOSITE, bytes(data[: max(cut, len(data) // 2)]), "M")
    except NdrError:
        pass
