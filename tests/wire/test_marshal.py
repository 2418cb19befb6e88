"""Tests for the custom-marshaling engine (spoolsim.wire.marshal) and its layouts (info)."""

from __future__ import annotations

import copy
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.wire.info import (
    DRIVER_INFO_3,
    DRIVER_INFO_6,
    DRIVER_INFO_8,
    DRIVER_INFO_101,
    FORM_INFO_1,
    FORM_INFO_2,
    JOB_INFO_1,
    JOB_INFO_2,
    LAYOUTS,
    PORT_INFO_1,
    PRINTER_ENUM_VALUES,
    PRINTER_INFO_0,
    PRINTER_INFO_1,
    PRINTER_INFO_2,
    PRINTER_INFO_3,
    PRINTER_INFO_8,
)
from spoolsim.wire.marshal import (
    Field,
    Kind,
    Layout,
    MarshalError,
    pack,
    pack_multi_sz,
    pack_string,
    packed_size,
    unpack,
    unpack_multi_sz,
    unpack_string,
)

ALL_LAYOUTS = [*LAYOUTS.values(), PRINTER_ENUM_VALUES]
IDS = [layout.name for layout in ALL_LAYOUTS]

INT_RANGES = {
    Kind.DWORD: (0, 2**32 - 1),
    Kind.LONG: (-(2**31), 2**31 - 1),
    Kind.WORD: (0, 2**16 - 1),
    Kind.QWORD: (0, 2**64 - 1),
    Kind.FILETIME: (0, 2**64 - 1),
}
PAD_KINDS = {Kind.PAD, Kind.PAD2}
BLOB_KINDS = {Kind.BYTES, Kind.DEVMODE, Kind.SECURITY_DESCRIPTOR}
POINTER_ALIGN = {
    Kind.STRING: 2,
    Kind.MULTI_SZ: 2,
    Kind.ASTRING: 1,
    Kind.BYTES: 4,
    Kind.DEVMODE: 4,
    Kind.SECURITY_DESCRIPTOR: 4,
    Kind.FILE_INFO_ARRAY: 4,
}

# ----------------------------------------------------------------------------- strategies

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=12
)
U32 = st.integers(0, 2**32 - 1)


@st.composite
def devmodes(draw: st.DrawFn) -> bytes:
    """A blob whose dmSize (byte 68) and dmDriverExtra (byte 70) describe its length."""
    head = bytearray(draw(st.binary(min_size=72, max_size=120)))
    extra = draw(st.binary(max_size=20))
    struct.pack_into("<HH", head, 68, len(head), len(extra))
    return bytes(head) + extra


@st.composite
def security_descriptors(draw: st.DrawFn) -> bytes:
    """A self-relative SD: header, then optional owner/group SIDs and SACL/DACL."""
    offsets = [0, 0, 0, 0]
    body = b""
    for slot in range(4):
        if not draw(st.booleans()):
            continue
        if slot < 2:  # SID: revision, sub-authority count, 6-byte authority, sub-authorities
            n = draw(st.integers(0, 4))
            chunk = bytes([1, n]) + draw(st.binary(min_size=6 + 4 * n, max_size=6 + 4 * n))
        else:  # ACL: 8-byte header with AclSize, then ACE bytes
            n = 4 * draw(st.integers(0, 4))
            aces = draw(st.binary(min_size=n, max_size=n))
            chunk = struct.pack("<BBHHH", 2, 0, 8 + n, 0, 0) + aces
        offsets[slot] = 20 + len(body)
        body += chunk
    control = draw(st.integers(0, 0xFFFF))
    return struct.pack("<BBHIIII", 1, 0, control, *offsets) + body


VALUES: dict[Kind, st.SearchStrategy[object]] = {
    **{kind: st.integers(lo, hi) for kind, (lo, hi) in INT_RANGES.items()},
    Kind.SYSTEMTIME: st.tuples(*[st.integers(0, 0xFFFF)] * 8),
    Kind.STRING: st.none() | TEXT,
    Kind.ASTRING: st.none() | st.text(st.characters(min_codepoint=1, max_codepoint=255)),
    Kind.MULTI_SZ: st.none() | st.lists(TEXT.filter(bool), max_size=4).map(tuple),
    Kind.BYTES: st.none() | st.binary(max_size=24),
    Kind.DEVMODE: st.none() | devmodes(),
    Kind.SECURITY_DESCRIPTOR: st.none() | security_descriptors(),
    Kind.FILE_INFO_ARRAY: st.none()
    | st.lists(st.tuples(st.none() | TEXT, U32, U32), max_size=3).map(tuple),
}


def size_fields(layout: Layout) -> set[str]:
    return {f.size_field for f in layout.fields if f.size_field}


def records(layout: Layout) -> st.SearchStrategy[dict[str, object]]:
    """Records with any subset of the fields present (size members are left to the engine)."""
    derived = size_fields(layout)
    optional = {
        f.name: VALUES[f.kind]
        for f in layout.fields
        if f.kind not in PAD_KINDS and f.name not in derived
    }
    return st.fixed_dictionaries({}, optional=optional)


def expected(layout: Layout, rec: dict[str, object]) -> dict[str, object]:
    """What unpack must return for a packed record: defaults filled, sizes derived."""
    out: dict[str, object] = {}
    for f in layout.fields:
        if f.kind in PAD_KINDS or f.name in size_fields(layout):
            continue
        value = rec.get(f.name)
        if f.kind in INT_RANGES:
            value = value or 0
        elif f.kind is Kind.SYSTEMTIME:
            value = tuple(value) if value else (0,) * 8
        elif f.kind in BLOB_KINDS or f.kind is Kind.FILE_INFO_ARRAY:
            value = value or None
        out[f.name] = value
        if f.size_field:
            if value is None:
                out[f.size_field] = 0
            elif f.kind is Kind.STRING:
                out[f.size_field] = len(value.encode("utf-16-le")) + 2
            else:
                out[f.size_field] = len(value)
    return out


# ----------------------------------------------------------------------------- golden bytes


def test_golden_printer_info_1_with_null_comment() -> None:
    rec = {"Flags": 0x00800000, "pDescription": "Ab", "pName": "P1", "pComment": None}
    golden = bytes.fromhex(
        "00008000"  # Flags = PRINTER_ENUM_ICON8
        "16000000"  # pDescription -> 0x16: first pointer field, so its data ends the buffer
        "10000000"  # pName -> 0x10: packed just below it
        "00000000"  # pComment: NULL -> offset 0, no data
        "5000 3100 0000"  # @0x10 "P1\0"
        "4100 6200 0000"  # @0x16 "Ab\0"
    )
    assert pack(PRINTER_INFO_1, [rec]) == golden
    assert unpack(PRINTER_INFO_1, golden, 1) == [rec]


def test_golden_two_port_info_1_records_pack_from_the_end() -> None:
    recs = [{"pPortName": "LPT1:"}, {"pPortName": "COM1:"}]
    golden = bytes.fromhex(
        "14000000"  # record 0 @0: its name at 0 + 0x14 = 20 (the last 12 bytes)
        "04000000"  # record 1 @4: offset counted from its own start: 4 + 4 = 8
        "4300 4f00 4d00 3100 3a00 0000"  # @8  "COM1:\0" (record 1, placed second)
        "4c00 5000 5400 3100 3a00 0000"  # @20 "LPT1:\0" (record 0, placed first)
    )
    assert pack(PORT_INFO_1, recs) == golden
    assert packed_size(PORT_INFO_1, recs) == 32
    assert unpack(PORT_INFO_1, golden, 2) == recs


def test_golden_job_info_1_with_systemtime_and_null_strings() -> None:
    rec = {
        "JobId": 7,
        "pPrinterName": "P",
        "pMachineName": None,
        "pUserName": "u",
        "pDocument": "d",
        "pDatatype": "RAW",
        "pStatus": None,
        "Status": 0x10,
        "Priority": 1,
        "Position": 1,
        "TotalPages": 3,
        "PagesPrinted": 0,
        "Submitted": (2024, 5, 5, 17, 13, 45, 30, 250),
    }
    golden = bytes.fromhex(
        "07000000"  # JobId
        "50000000"  # pPrinterName -> 0x50 (last 4 bytes)
        "00000000"  # pMachineName NULL
        "4c000000"  # pUserName -> 0x4c
        "48000000"  # pDocument -> 0x48
        "40000000"  # pDatatype -> 0x40
        "00000000"  # pStatus NULL
        "10000000 01000000 01000000 03000000 00000000"  # Status .. PagesPrinted
        "e807 0500 0500 1100 0d00 2d00 1e00 fa00"  # Submitted: 2024-05 (Fri=5) 17 13:45:30.250
        "5200 4100 5700 0000"  # @0x40 "RAW\0"
        "6400 0000"  # @0x48 "d\0"
        "7500 0000"  # @0x4c "u\0"
        "5000 0000"  # @0x50 "P\0"
    )
    assert pack(JOB_INFO_1, [rec]) == golden
    assert unpack(JOB_INFO_1, golden, 1) == [rec]


def test_golden_driver_info_3_multi_sz() -> None:
    rec = {"cVersion": 3, "Name": "D", "DependentFiles": ("a", "bc")}
    golden = bytes.fromhex(
        "03000000"  # cVersion
        "34000000"  # Name -> 0x34
        "00000000 00000000 00000000 00000000 00000000"  # Environment .. HelpFile: NULL
        "28000000"  # DependentFiles -> 0x28
        "00000000 00000000"  # MonitorName, DefaultDataType: NULL
        "6100 0000 6200 6300 0000 0000"  # @0x28 "a\0bc\0\0"
        "4400 0000"  # @0x34 "D\0"
    )
    assert pack(DRIVER_INFO_3, [rec]) == golden
    assert unpack(DRIVER_INFO_3, golden, 1)[0]["DependentFiles"] == ("a", "bc")


def test_golden_slack_between_fixed_and_variable_parts() -> None:
    # 4 fixed + 6 string bytes round up to 12, so the string sits at 6 and bytes 4..5 are slack.
    golden = bytes.fromhex(
        "06000000"  # pPortName -> 6
        "0000"  # slack
        "6100 6200 0000"  # @6 "ab\0"
    )
    assert pack(PORT_INFO_1, [{"pPortName": "ab"}]) == golden


def test_golden_printer_enum_values_derives_sizes() -> None:
    rec = {"pValueName": "Ab", "dwType": 4, "pData": b"\x01\x02\x03\x04"}
    golden = bytes.fromhex(
        "1a000000"  # pValueName -> 0x1a
        "06000000"  # cbValueName = 6 (name bytes including the NUL), derived
        "04000000"  # dwType = REG_DWORD
        "14000000"  # pData -> 0x14 (4-aligned)
        "04000000"  # cbData, derived
        "01020304"  # @0x14 data
        "0000"  # alignment gap below the name
        "4100 6200 0000"  # @0x1a "Ab\0"
    )
    assert pack(PRINTER_ENUM_VALUES, [rec]) == golden
    assert unpack(PRINTER_ENUM_VALUES, golden, 1) == [{**rec, "cbValueName": 6, "cbData": 4}]


def test_golden_plain_helpers() -> None:
    assert pack_string("C:\\") == bytes.fromhex("4300 3a00 5c00 0000")
    assert pack_multi_sz(["ab", "c"]) == bytes.fromhex("6100 6200 0000 6300 0000 0000")
    assert pack_multi_sz([]) == bytes(4)  # an empty list is two NULs
    assert unpack_multi_sz(bytes(4)) == ()
    assert unpack_string(pack_string("x\u00e9")) == "x\u00e9"


def test_missing_fields_are_null_and_zero() -> None:
    assert pack(PRINTER_INFO_2, [{}]) == bytes(84)
    (rec,) = unpack(PRINTER_INFO_2, bytes(84), 1)
    assert rec["pServerName"] is None and rec["pDevMode"] is None and rec["Status"] == 0
    assert "PaddingForAlignment" not in unpack(DRIVER_INFO_6, bytes(80), 1)[0]


def test_driver_file_info_offsets_count_from_their_driver_info_101() -> None:
    recs = [{"Name": "a", "FileInfo": (("x.dll", 0, 1),)}, {"FileInfo": (("yy.dll", 2, 3),)}]
    buf = pack(DRIVER_INFO_101, recs)
    base = DRIVER_INFO_101.fixed_size  # record 1
    (array_off,) = struct.unpack_from("<I", buf, base + DRIVER_INFO_101.offset_of("FileInfo"))
    name_off, file_type, version = struct.unpack_from("<III", buf, base + array_off)
    assert (file_type, version) == (2, 3)
    assert buf[base + name_off : base + name_off + 14] == "yy.dll\0".encode("utf-16-le")
    assert [r["dwFileCount"] for r in unpack(DRIVER_INFO_101, buf, 2)] == [1, 1]


# ----------------------------------------------------------------------------- layouts


@pytest.mark.parametrize(
    ("layout", "size"),
    [
        (PRINTER_INFO_0, 124),
        (PRINTER_INFO_2, 84),
        (JOB_INFO_1, 64),
        (JOB_INFO_2, 104),
        (DRIVER_INFO_6, 80),
        (DRIVER_INFO_8, 120),
        (DRIVER_INFO_101, 64),
        (FORM_INFO_1, 32),
        (FORM_INFO_2, 56),
        (PRINTER_ENUM_VALUES, 20),
    ],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_fixed_sizes_match_the_32_bit_win32_structures(layout: Layout, size: int) -> None:
    assert layout.fixed_size == size


def test_sixty_four_bit_members_are_8_aligned() -> None:
    assert DRIVER_INFO_6.offset_of("dwlDriverVersion") == 56
    assert DRIVER_INFO_8.offset_of("ftMinInboxDriverVerDate") == 104
    assert DRIVER_INFO_101.offset_of("dwlDriverVersion") == 40
    assert FORM_INFO_2.offset_of("wLangID") == 52


def test_layout_rejects_bad_tables() -> None:
    with pytest.raises(ValueError, match="not 8-aligned"):
        Layout("X", (Field("a", Kind.DWORD), Field("q", Kind.QWORD)))
    with pytest.raises(ValueError, match="needs a size_field"):
        Layout("X", (Field("b", Kind.BYTES),))
    with pytest.raises(ValueError, match="duplicate"):
        Layout("X", (Field("a", Kind.DWORD), Field("a", Kind.DWORD)))
    with pytest.raises(ValueError, match="breaks alignment"):
        Layout("X", (Field("w", Kind.WORD),))
    with pytest.raises(ValueError, match="not a DWORD"):
        Layout(
            "X",
            (Field("b", Kind.BYTES, size_field="w"), Field("w", Kind.WORD), Field("p", Kind.PAD2)),
        )


# ----------------------------------------------------------------------------- properties

by_layout = pytest.mark.parametrize("layout", ALL_LAYOUTS, ids=IDS)


@by_layout
@settings(max_examples=60)
@given(data=st.data())
def test_round_trip(layout: Layout, data: st.DataObject) -> None:
    recs = data.draw(st.lists(records(layout), max_size=4))
    buf = pack(layout, recs)
    assert unpack(layout, buf, len(recs)) == [expected(layout, r) for r in recs]


@by_layout
@settings(max_examples=40)
@given(data=st.data())
def test_packed_size_and_determinism(layout: Layout, data: st.DataObject) -> None:
    recs = data.draw(st.lists(records(layout), max_size=4))
    buf = pack(layout, recs)
    assert packed_size(layout, recs) == len(buf)
    assert len(buf) % 4 == 0
    assert pack(layout, copy.deepcopy(recs)) == buf


@by_layout
@settings(max_examples=40)
@given(data=st.data())
def test_offsets_point_inside_the_variable_part_and_are_aligned(
    layout: Layout, data: st.DataObject
) -> None:
    recs = data.draw(st.lists(records(layout), min_size=1, max_size=4))
    buf = pack(layout, recs)
    fixed_total = layout.fixed_size * len(recs)
    for i in range(len(recs)):
        base = i * layout.fixed_size
        for f in layout.fields:
            if f.kind not in POINTER_ALIGN:
                continue
            (off,) = struct.unpack_from("<I", buf, base + layout.offset_of(f.name))
            if not off:
                continue
            pos = base + off
            assert fixed_total <= pos < len(buf), (f.name, off)
            assert pos % POINTER_ALIGN[f.kind] == 0, (f.name, pos)
            if f.kind is Kind.FILE_INFO_ARRAY:
                for j in range(len(recs[i][f.name])):
                    (name_off,) = struct.unpack_from("<I", buf, pos + 12 * j)
                    assert not name_off or fixed_total <= base + name_off < len(buf)


@given(st.lists(TEXT.filter(bool), max_size=6))
def test_multi_sz_helpers_round_trip(items: list[str]) -> None:
    raw = pack_multi_sz(items)
    assert unpack_multi_sz(raw) == tuple(items)
    assert unpack_multi_sz(raw + b"\x00\x00junk") == tuple(items)


# ----------------------------------------------------------------------------- packing errors


@pytest.mark.parametrize(
    ("layout", "rec", "match"),
    [
        (PORT_INFO_1, {"pName": "x"}, r"^PORT_INFO_1\[0\]: unknown field\(s\) pName$"),
        (PRINTER_INFO_1, {"Flags": 2**32}, r"^PRINTER_INFO_1\[0\]\.Flags: "),
        (PRINTER_INFO_1, {"Flags": -1}, r"^PRINTER_INFO_1\[0\]\.Flags: "),
        (PRINTER_INFO_1, {"pName": "a\x00b"}, r"^PRINTER_INFO_1\[0\]\.pName: .*NUL"),
        (PRINTER_INFO_1, {"pName": b"bytes"}, r"^PRINTER_INFO_1\[0\]\.pName: expected str"),
        (DRIVER_INFO_3, {"DependentFiles": ("a", "")}, r"DependentFiles: .*empty string"),
        (DRIVER_INFO_3, {"DependentFiles": "ab"}, r"DependentFiles: expected a sequence"),
        (JOB_INFO_1, {"Submitted": (2024, 1)}, r"^JOB_INFO_1\[0\]\.Submitted: "),
        (JOB_INFO_1, {"Submitted": (2024, 1, 1, 1, 1, 1, 1, 70000)}, r"\.Submitted: "),
        (FORM_INFO_2, {"pKeyword": "\u20ac"}, r"^FORM_INFO_2\[0\]\.pKeyword: not an 8-bit"),
        (PRINTER_INFO_8, {"pDevMode": b"\x00" * 80}, r"\.pDevMode: .*shorter than its header"),
        (PRINTER_INFO_8, {"pDevMode": b"\x00" * 10}, r"\.pDevMode: .*no room"),
        (PRINTER_INFO_3, {"pSecurityDescriptor": b"\x01" * 24}, r"\.pSecurityDescriptor: "),
        (PRINTER_ENUM_VALUES, {"pData": b"abcd", "cbData": 3}, r"\[0\]\.cbData: given 3"),
        (PRINTER_ENUM_VALUES, {"cbValueName": 2}, r"\[0\]\.cbValueName: given 2"),
        (DRIVER_INFO_101, {"FileInfo": (("a", -1, 0),)}, r"\.FileInfo: .*not a u32"),
        (DRIVER_INFO_101, {"FileInfo": ("a",)}, r"\.FileInfo: .*not \(name, type, version\)"),
    ],
)
def test_pack_rejects_bad_records(layout: Layout, rec: dict[str, object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pack(layout, [rec])
    with pytest.raises(ValueError, match=match):
        packed_size(layout, [rec])


def test_pack_accepts_matching_size_members_and_signed_longs() -> None:
    rec = {"pValueName": "v", "cbValueName": 4, "pData": b"xy", "cbData": 2}
    assert unpack(PRINTER_ENUM_VALUES, pack(PRINTER_ENUM_VALUES, [rec]), 1) == [
        {**rec, "dwType": 0}
    ]
    form = {"Size_cx": -5, "ImageableArea_bottom": -(2**31)}
    (back,) = unpack(FORM_INFO_1, pack(FORM_INFO_1, [form]), 1)
    assert (back["Size_cx"], back["ImageableArea_bottom"]) == (-5, -(2**31))


def test_pack_of_no_records_is_empty() -> None:
    assert pack(PRINTER_INFO_2, []) == b""
    assert unpack(PRINTER_INFO_2, b"", 0) == []


# ----------------------------------------------------------------------------- malformed input


def _error(layout: Layout, buf: bytes, count: int) -> MarshalError:
    with pytest.raises(MarshalError) as info:
        unpack(layout, buf, count)
    return info.value


def test_truncated_fixed_part_names_record_and_field() -> None:
    buf = pack(PORT_INFO_1, [{"pPortName": "a"}, {"pPortName": "b"}])
    err = _error(PORT_INFO_1, buf[:6], 2)
    assert str(err).startswith("PORT_INFO_1[1].pPortName: buffer of 6 bytes ends inside")
    assert (err.layout, err.index, err.field) == ("PORT_INFO_1", 1, "pPortName")
    err = _error(PRINTER_INFO_2, bytes(84 + 30), 2)
    assert str(err).startswith("PRINTER_INFO_2[1].pDevMode: ")


def test_offset_beyond_buffer() -> None:
    buf = bytearray(380)
    struct.pack_into("<I", buf, 84 + PRINTER_INFO_2.offset_of("pComment"), 0x1F4)
    err = _error(PRINTER_INFO_2, bytes(buf), 2)
    assert str(err) == "PRINTER_INFO_2[1].pComment: offset 0x1f4 beyond buffer of 380 bytes"
    assert isinstance(err, ValueError)


def test_offset_into_the_fixed_portion() -> None:
    buf = struct.pack("<II", 4, 0) + pack_string("x")
    err = _error(PORT_INFO_1, buf, 2)
    assert str(err).startswith("PORT_INFO_1[0].pPortName: offset 0x4 points into the fixed")


def test_unterminated_and_odd_length_strings() -> None:
    err = _error(PORT_INFO_1, struct.pack("<I", 4) + "AB".encode("utf-16-le"), 1)
    assert str(err).startswith("PORT_INFO_1[0].pPortName: unterminated string")
    err = _error(PORT_INFO_1, struct.pack("<I", 4) + b"A\x00B", 1)
    assert "odd-length UTF-16" in str(err)
    err = _error(FORM_INFO_2, _patched(FORM_INFO_2, "pKeyword", 56) + b"abc", 1)
    assert str(err).startswith("FORM_INFO_2[0].pKeyword: unterminated 8-bit string")
    err = _error(DRIVER_INFO_3, _patched(DRIVER_INFO_3, "DependentFiles", 40) + b"a\x00\x00\x00", 1)
    assert str(err).startswith("DRIVER_INFO_3[0].DependentFiles: unterminated")
    with pytest.raises(MarshalError, match="odd-length"):
        unpack_multi_sz(b"a\x00\x00")
    with pytest.raises(MarshalError, match="unterminated"):
        unpack_multi_sz(b"a\x00\x00\x00")
    with pytest.raises(MarshalError, match="unterminated"):
        unpack_string(b"a\x00")


def _patched(layout: Layout, field: str, value: int) -> bytes:
    buf = bytearray(layout.fixed_size)
    struct.pack_into("<I", buf, layout.offset_of(field), value)
    return bytes(buf)


def test_blobs_that_do_not_fit() -> None:
    devmode = bytearray(72)
    struct.pack_into("<HH", devmode, 68, 200, 0)  # claims 200 bytes, 72 present
    err = _error(PRINTER_INFO_8, _patched(PRINTER_INFO_8, "pDevMode", 4) + bytes(devmode), 1)
    assert str(err).startswith("PRINTER_INFO_8[0].pDevMode: 200 bytes at offset 0x4 run past")
    err = _error(PRINTER_INFO_8, _patched(PRINTER_INFO_8, "pDevMode", 4) + bytes(10), 1)
    assert "has no room for its 72-byte header" in str(err)

    sd = struct.pack("<BBHIIII", 1, 0, 0x8004, 0, 0, 0, 20)  # DACL at 20, beyond the blob
    err = _error(PRINTER_INFO_3, _patched(PRINTER_INFO_3, "pSecurityDescriptor", 4) + sd, 1)
    assert str(err).startswith("PRINTER_INFO_3[0].pSecurityDescriptor: security descriptor DACL")

    buf = bytearray(pack(PRINTER_ENUM_VALUES, [{"pData": b"abcd"}]))
    struct.pack_into("<I", buf, PRINTER_ENUM_VALUES.offset_of("cbData"), 1000)
    err = _error(PRINTER_ENUM_VALUES, bytes(buf), 1)
    assert str(err).startswith("PRINTER_ENUM_VALUES[0].pData: 1000 bytes at offset 0x14 run past")


def test_bad_driver_file_info() -> None:
    buf = bytearray(pack(DRIVER_INFO_101, [{"FileInfo": (("a.dll", 0, 0),)}]))
    count_at = DRIVER_INFO_101.offset_of("dwFileCount")
    struct.pack_into("<I", buf, count_at, 0xFFFFFFFF)
    err = _error(DRIVER_INFO_101, bytes(buf), 1)
    assert str(err).startswith("DRIVER_INFO_101[0].FileInfo: 4294967295 file info entries")
    struct.pack_into("<I", buf, count_at, 1)
    (array_off,) = struct.unpack_from("<I", buf, DRIVER_INFO_101.offset_of("FileInfo"))
    struct.pack_into("<I", buf, array_off, 0x999)
    err = _error(DRIVER_INFO_101, bytes(buf), 1)
    assert str(err) == (
        f"DRIVER_INFO_101[0].FileInfo[0].FileName: offset 0x999 beyond buffer of {len(buf)} bytes"
    )


@by_layout
@settings(max_examples=60)
@given(raw=st.binary(max_size=300), count=st.integers(0, 4))
def test_unpack_of_arbitrary_bytes_returns_or_raises_marshal_error(
    layout: Layout, raw: bytes, count: int
) -> None:
    try:
        out = unpack(layout, raw, count)
    except MarshalError as exc:
        assert str(exc).startswith(f"{layout.name}[")
    else:
        assert len(out) == count


@by_layout
@settings(max_examples=40)
@given(data=st.data())
def test_unpack_of_corrupted_buffers_returns_or_raises_marshal_error(
    layout: Layout, data: st.DataObject
) -> None:
    recs = data.draw(st.lists(records(layout), min_size=1, max_size=3))
    buf = bytearray(pack(layout, recs))
    for _ in range(data.draw(st.integers(1, 4))):
        buf[data.draw(st.integers(0, len(buf) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(buf)))
    try:
        out = unpack(layout, bytes(buf[:cut]), len(recs))
    except MarshalError:
        pass
    else:
        assert len(out) == len(recs)
