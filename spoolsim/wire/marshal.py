"""Custom marshaling of the MS-RPRN ``_X_INFO`` buffers (sans-I/O, standard library + attrs).

Theory of operation
===================

Every Get*/Enum* call of the print protocols returns its structures as one flat byte buffer in
the "custom-marshaled" form of MS-RPRN 2.2.2.  This module turns a list of plain records
(``Mapping[str, object]``) into such a buffer and back, driven by a table (:class:`Layout`) that
lists the fields of one structure in wire order.  The rules it implements:

Buffer shape (MS-RPRN 2.2.2)
    The Fixed_Portion blocks of all records come first, back to back, in array order, with no
    padding between them.  One Variable_Data block follows and holds every string, multisz,
    DEVMODE, security descriptor and array the fixed parts point to.  The length of the whole
    buffer is what the server reports as ``pcbNeeded``.

Offsets (MS-RPRN 2.2.2, 2.2.2.2, 2.2.2.4.10)
    A pointer member is a 32-bit unsigned offset counted from the first byte of the Fixed_Portion
    block that holds it (not from the start of the buffer).  A NULL pointer is offset 0 and owns
    no data.  The ``FileNameOffset`` of a ``_DRIVER_FILE_INFO`` entry is counted from the start
    of the ``_DRIVER_INFO_101`` structure that contains the entry.

Placement (MS-RPRN 2.2.2; the per-structure Variable_Data diagrams)
    Variable data is packed from the end of the buffer towards its start: record 0 first, and
    within a record in field order, so the first pointer field of record 0 owns the last bytes of
    the buffer.  Inside one structure this yields exactly the reverse field order the spec draws
    for each Variable_Data block (for example CommentArray, NameArray, DescriptionArray for
    ``_PRINTER_INFO_1``, 2.2.2.9.2), which is also how Windows and Samba fill these buffers.
    The spec locates data by offset only, so the decoder accepts any placement.  A
    ``_DRIVER_FILE_INFO`` array is placed as one block, and the file names it points to follow it
    (at lower addresses) in array order.

Encodings (MS-RPRN 2.2, 2.2.2.2, 2.2.2.5.2)
    Strings are UTF-16LE and NUL-terminated.  A multisz is each string followed by its NUL, then
    one more NUL; an empty list is two NULs (4 bytes), the "two empty strings" the Win32
    documentation describes for an empty ``pDependentFiles``.  A multisz cannot carry an empty
    string (it would end the list), so packing one is a :class:`ValueError`.  The form keyword of
    ``_FORM_INFO_2`` is an 8-bit string; it is encoded as Latin-1, a lossless byte/code point map.
    Strings may not contain NUL.  Lone surrogates pass through (``surrogatepass``), since
    Windows names are sequences of 16-bit units.

Alignment
    Fixed_Portion sizes are multiples of 4 bytes, and a 64-bit member sits at a multiple of 8
    within its structure, using the explicit padding members the spec draws (the
    ``PaddingForAlignment`` of ``_DRIVER_INFO_6`` and ``_DRIVER_INFO_8``, 2.2.2.4.6 and 2.2.2.4.8;
    the trailing ``unused`` WORD of ``_FORM_INFO_2``, 2.2.2.5.2).  :class:`Layout` checks both
    when it is built.  In the Variable_Data block, UTF-16 strings and multisz start at even
    offsets; DEVMODEs, security descriptors, opaque blobs and ``_DRIVER_FILE_INFO`` arrays start
    at multiples of 4; 8-bit strings are unaligned.  Alignment is computed from the end of the
    buffer and the total length is rounded up to a multiple of 4, so end-relative and
    start-relative alignment coincide; the 0-3 slack bytes (zero) sit between the last
    Fixed_Portion block and the lowest variable item.  FILETIME is two DWORDs (low, high), which
    in little-endian order is byte-for-byte one u64, so it needs only 4-byte alignment.

Lengths when decoding
    Strings and multisz end at their terminators.  A DEVMODE is ``dmSize + dmDriverExtra`` bytes,
    read from its own header (the two WORDs at bytes 68 and 70 of a ``_DEVMODE``, MS-RPRN
    2.2.2.1).  A self-relative security descriptor ends where its farthest owner SID, group SID,
    SACL or DACL ends (MS-DTYP 2.4.6).  Opaque blobs and ``_DRIVER_FILE_INFO`` arrays take their
    size from a sibling count member named by ``Field.size_field`` (``cbData``, ``dwFileCount``).

Size members
    A DWORD named by some pointer field's ``size_field`` (``cbValueName``, ``cbData``,
    ``dwFileCount``) is derived while packing: the record may omit it, and if it supplies it the
    value must match.  ``cbValueName`` counts bytes including the terminating NUL.

Records
    A missing key means NULL for pointer kinds, 0 for integer kinds and all-zero for a
    SYSTEMTIME; an unknown key is a :class:`ValueError`.  Decoding returns every non-padding
    field, with NULL pointers as ``None``.  An empty blob or empty ``_DRIVER_FILE_INFO`` array
    packs as a NULL offset and therefore decodes as ``None``.  Packing is deterministic.
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Iterable, Mapping, Sequence

import attrs

__all__ = [
    "Field",
    "Kind",
    "Layout",
    "MarshalError",
    "pack",
    "pack_multi_sz",
    "pack_string",
    "packed_size",
    "unpack",
    "unpack_multi_sz",
    "unpack_string",
]


class Kind(enum.Enum):
    """The wire kinds a :class:`Field` can have."""

    DWORD = "DWORD"  # u32
    LONG = "LONG"  # s32
    WORD = "WORD"  # u16
    QWORD = "QWORD"  # u64
    FILETIME = "FILETIME"  # u64 value, written as low u32 then high u32
    SYSTEMTIME = "SYSTEMTIME"  # tuple of 8 ints, written as 8 x u16
    PAD = "PAD"  # 4 zero bytes, no value
    PAD2 = "PAD2"  # 2 zero bytes, no value
    STRING = "STRING"  # offset -> UTF-16LE NUL-terminated; str | None
    ASTRING = "ASTRING"  # offset -> 8-bit (Latin-1) NUL-terminated; str | None
    MULTI_SZ = "MULTI_SZ"  # offset -> UTF-16LE multisz; tuple[str, ...] | None
    BYTES = "BYTES"  # offset -> opaque blob sized by a sibling DWORD; bytes | None
    DEVMODE = "DEVMODE"  # offset -> self-sized _DEVMODE; bytes | None
    SECURITY_DESCRIPTOR = "SECURITY_DESCRIPTOR"  # offset -> self-relative SD; bytes | None
    FILE_INFO_ARRAY = "FILE_INFO_ARRAY"  # offset -> _DRIVER_FILE_INFO[]; tuple of triples


_INT_CODES: dict[Kind, str] = {
    Kind.DWORD: "I",
    Kind.LONG: "i",
    Kind.WORD: "H",
    Kind.QWORD: "Q",
    Kind.FILETIME: "Q",
}
_POINTER_KINDS = frozenset(
    {
        Kind.STRING,
        Kind.ASTRING,
        Kind.MULTI_SZ,
        Kind.BYTES,
        Kind.DEVMODE,
        Kind.SECURITY_DESCRIPTOR,
        Kind.FILE_INFO_ARRAY,
    }
)
_PAD_CODES: dict[Kind, str] = {Kind.PAD: "4x", Kind.PAD2: "2x"}
_WIDTHS: dict[Kind, int] = {
    Kind.DWORD: 4,
    Kind.LONG: 4,
    Kind.WORD: 2,
    Kind.QWORD: 8,
    Kind.FILETIME: 8,
    Kind.SYSTEMTIME: 16,
    Kind.PAD: 4,
    Kind.PAD2: 2,
    **dict.fromkeys(_POINTER_KINDS, 4),
}
# Alignment of the variable data each pointer kind owns.
_ALIGN: dict[Kind, int] = {
    Kind.STRING: 2,
    Kind.MULTI_SZ: 2,
    Kind.ASTRING: 1,
    Kind.BYTES: 4,
    Kind.DEVMODE: 4,
    Kind.SECURITY_DESCRIPTOR: 4,
    Kind.FILE_INFO_ARRAY: 4,
}
_SIZED_KINDS = frozenset({Kind.STRING, Kind.BYTES, Kind.FILE_INFO_ARRAY})
_VAR_ALIGN = 4  # largest alignment used in the Variable_Data block
_FILE_INFO = struct.Struct("<III")  # FileNameOffset, FileType, FileVersion (2.2.2.4.10)
_DEVMODE_HEADER = 72  # dmDeviceName[32] WCHAR + 4 WORDs, ending with dmSize, dmDriverExtra
_SD_HEADER = struct.Struct("<BBHIIII")  # Revision, Sbz1, Control, Owner, Group, Sacl, Dacl


class MarshalError(ValueError):
    """A custom-marshaled buffer is malformed (the sender's fault).

    Attributes:
        layout: name of the structure being decoded, or None for the plain helpers.
        index: index of the record in the array, or None.
        field: name of the offending field, or None.
    """

    def __init__(
        self,
        message: str,
        *,
        layout: str | None = None,
        index: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.layout = layout
        self.index = index
        self.field = field


class _Bad(Exception):
    """Internal: a problem with one value, re-raised with its layout/index/field context."""


@attrs.frozen
class Field:
    """One member of a Fixed_Portion block.

    Attributes:
        name: the member's name (the key used in records).
        kind: how the member is represented on the wire.
        size_field: for STRING, BYTES and FILE_INFO_ARRAY, the name of a sibling DWORD that
            carries the size of the pointed-to data (bytes, or entries for FILE_INFO_ARRAY).
            Required for BYTES and FILE_INFO_ARRAY.
    """

    name: str
    kind: Kind
    size_field: str | None = attrs.field(default=None, kw_only=True)


@attrs.frozen
class _Plan:
    """Precomputed, per-layout tables used on the hot path."""

    struct: struct.Struct
    n_args: int
    names: frozenset[str]
    int_steps: tuple[tuple[str, int], ...]  # (name, arg index); derived size fields excluded
    time_steps: tuple[tuple[str, int], ...]  # SYSTEMTIME (name, first arg index)
    ptr_steps: tuple[tuple[str, Kind, int, str | None, int], ...]  # name, kind, idx, size, sidx
    decode_steps: tuple[tuple[str, Kind, int, int], ...]  # name, kind, idx, size idx (-1)
    boundaries: tuple[tuple[int, str], ...]  # (end offset within the block, field name)
    offsets: Mapping[str, int]


def _compile(name: str, fields: tuple[Field, ...]) -> _Plan:
    by_name: dict[str, Field] = {}
    for f in fields:
        if f.name in by_name:
            raise ValueError(f"{name}: duplicate field {f.name!r}")
        by_name[f.name] = f
    fmt = ["<"]
    offset = 0
    arg = 0
    offsets: dict[str, int] = {}
    arg_of: dict[str, int] = {}
    boundaries: list[tuple[int, str]] = []
    has_qword = False
    for f in fields:
        width = _WIDTHS[f.kind]
        if f.kind is Kind.QWORD:
            has_qword = True
            if offset % 8:
                raise ValueError(f"{name}.{f.name}: 64-bit field at offset {offset}, not 8-aligned")
        offsets[f.name] = offset
        if f.kind in _PAD_CODES:
            fmt.append(_PAD_CODES[f.kind])
        elif f.kind is Kind.SYSTEMTIME:
            fmt.append("8H")
            arg_of[f.name] = arg
            arg += 8
        else:
            fmt.append(_INT_CODES.get(f.kind, "I"))
            arg_of[f.name] = arg
            arg += 1
        offset += width
        boundaries.append((offset, f.name))
    if offset % 4 or (has_qword and offset % 8):
        raise ValueError(f"{name}: fixed portion of {offset} bytes breaks alignment")

    derived: dict[str, str] = {}
    for f in fields:
        if f.size_field is None:
            if f.kind in (Kind.BYTES, Kind.FILE_INFO_ARRAY):
                raise ValueError(f"{name}.{f.name}: {f.kind.name} needs a size_field")
            continue
        if f.kind not in _SIZED_KINDS:
            raise ValueError(f"{name}.{f.name}: {f.kind.name} cannot have a size_field")
        target = by_name.get(f.size_field)
        if target is None or target.kind is not Kind.DWORD:
            raise ValueError(f"{name}.{f.name}: size_field {f.size_field!r} is not a DWORD here")
        if f.size_field in derived:
            raise ValueError(f"{name}: {f.size_field!r} sizes two fields")
        derived[f.size_field] = f.name

    value_fields = [f for f in fields if f.kind not in _PAD_CODES]
    return _Plan(
        struct=struct.Struct("".join(fmt)),
        n_args=arg,
        names=frozenset(f.name for f in value_fields),
        int_steps=tuple(
            (f.name, arg_of[f.name])
            for f in value_fields
            if f.kind in _INT_CODES and f.name not in derived
        ),
        time_steps=tuple(
            (f.name, arg_of[f.name]) for f in value_fields if f.kind is Kind.SYSTEMTIME
        ),
        ptr_steps=tuple(
            (
                f.name,
                f.kind,
                arg_of[f.name],
                f.size_field,
                arg_of[f.size_field] if f.size_field else -1,
            )
            for f in value_fields
            if f.kind in _POINTER_KINDS
        ),
        decode_steps=tuple(
            (f.name, f.kind, arg_of[f.name], arg_of[f.size_field] if f.size_field else -1)
            for f in value_fields
        ),
        boundaries=tuple(boundaries),
        offsets=offsets,
    )


@attrs.frozen
class Layout:
    """The Fixed_Portion of one custom-marshaled structure, field by field in wire order.

    Attributes:
        name: the structure's name, used in error messages (e.g. ``"PRINTER_INFO_2"``).
        fields: the members in wire order.

    Raises:
        ValueError: at construction, if names repeat, a size_field is missing or wrong, or a
            64-bit member or the block size breaks the alignment rules.
    """

    name: str
    fields: tuple[Field, ...] = attrs.field(converter=tuple)
    _plan: _Plan = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_plan", _compile(self.name, self.fields))

    @property
    def fixed_size(self) -> int:
        """Size in bytes of one Fixed_Portion block."""
        return self._plan.struct.size

    def offset_of(self, name: str) -> int:
        """Byte offset of a member within the Fixed_Portion block.

        Args:
            name: the member's name.

        Returns:
            The offset in bytes from the start of the block.

        Raises:
            KeyError: if the layout has no such member.
        """
        return self._plan.offsets[name]


# --------------------------------------------------------------------------- encoding helpers


def _encode_wstr(value: object) -> bytes:
    if not isinstance(value, str):
        raise _Bad(f"expected str or None, got {type(value).__name__}")
    if "\x00" in value:
        raise _Bad("string contains NUL")
    return value.encode("utf-16-le", "surrogatepass") + b"\x00\x00"


def _encode_astr(value: object) -> bytes:
    if not isinstance(value, str):
        raise _Bad(f"expected str or None, got {type(value).__name__}")
    if "\x00" in value:
        raise _Bad("string contains NUL")
    try:
        return value.encode("latin-1") + b"\x00"
    except UnicodeEncodeError as exc:
        raise _Bad(f"not an 8-bit string: {exc.reason}") from None


def _encode_multi_sz(value: object) -> bytes:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _Bad(f"expected a sequence of str or None, got {type(value).__name__}")
    parts = []
    for item in value:
        if isinstance(item, str) and item == "":
            raise _Bad("a multisz cannot hold an empty string")
        parts.append(_encode_wstr(item))
    if not parts:
        return b"\x00\x00\x00\x00"
    parts.append(b"\x00\x00")
    return b"".join(parts)


def _blob(value: object) -> bytes:
    if not isinstance(value, bytes | bytearray | memoryview):
        raise _Bad(f"expected bytes or None, got {type(value).__name__}")
    return bytes(value)


def _devmode_length(data: bytes, pos: int, limit: int) -> int:
    if pos + _DEVMODE_HEADER > limit:
        raise _Bad(f"DEVMODE at byte {pos:#x} has no room for its {_DEVMODE_HEADER}-byte header")
    dm_size, dm_extra = struct.unpack_from("<HH", data, pos + 68)
    length = dm_size + dm_extra
    if length < _DEVMODE_HEADER:
        raise _Bad(f"DEVMODE dmSize + dmDriverExtra = {length}, shorter than its header")
    return length


def _sd_length(data: bytes, pos: int, limit: int) -> int:
    if pos + _SD_HEADER.size > limit:
        raise _Bad(f"security descriptor at byte {pos:#x} has no room for its header")
    _rev, _sbz, _control, owner, group, sacl, dacl = _SD_HEADER.unpack_from(data, pos)
    end = _SD_HEADER.size
    for part, off in (("owner SID", owner), ("group SID", group)):
        if off:
            if pos + off + 8 > limit:
                raise _Bad(f"security descriptor {part} at {off:#x} runs past the buffer")
            end = max(end, off + 8 + 4 * data[pos + off + 1])
    for part, off in (("SACL", sacl), ("DACL", dacl)):
        if off:
            if pos + off + 8 > limit:
                raise _Bad(f"security descriptor {part} at {off:#x} runs past the buffer")
            (acl_size,) = struct.unpack_from("<H", data, pos + off + 2)
            if acl_size < 8:
                raise _Bad(f"security descriptor {part} has AclSize {acl_size}")
            end = max(end, off + acl_size)
    return end


def _self_sized(kind: Kind, value: object) -> bytes | None:
    blob = _blob(value)
    if not blob:
        return None
    measure = _devmode_length if kind is Kind.DEVMODE else _sd_length
    length = measure(blob, 0, len(blob))
    if length != len(blob):
        raise _Bad(f"{kind.name} describes {length} bytes but the value has {len(blob)}")
    return blob


def _file_infos(value: object) -> list[tuple[bytes | None, int, int]]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _Bad(f"expected a sequence of (name, type, version), got {type(value).__name__}")
    out = []
    for entry in value:
        try:
            file_name, file_type, file_version = entry
        except (TypeError, ValueError):
            raise _Bad(f"file info entry {entry!r} is not (name, type, version)") from None
        for number in (file_type, file_version):
            if not isinstance(number, int) or not 0 <= number <= 0xFFFFFFFF:
                raise _Bad(f"file info entry {entry!r}: {number!r} is not a u32")
        name = None if file_name is None else _encode_wstr(file_name)
        out.append((name, file_type, file_version))
    return out


# --------------------------------------------------------------------------- packing


def _plan_buffer(
    layout: Layout, records: Sequence[Mapping[str, object]]
) -> tuple[int, list[list[object]], list[tuple[int, bytes, int, int]], list[tuple]]:
    """Lay out the buffer: total size, fixed-part arguments and variable items (end-relative)."""
    plan = layout._plan
    all_args: list[list[object]] = []
    items: list[tuple[int, bytes, int, int]] = []  # (rel pos, payload, record, arg idx or -1)
    arrays: list[tuple] = []  # (rel pos, record, arg idx, [(name rel | None, type, version)])
    cur = 0
    zeros = [0] * plan.n_args
    for i, rec in enumerate(records):
        if not plan.names.issuperset(rec):
            unknown = sorted(set(rec) - plan.names)
            raise ValueError(f"{layout.name}[{i}]: unknown field(s) {', '.join(unknown)}")
        args = zeros.copy()
        for name, idx in plan.int_steps:
            value = rec.get(name)
            if value is not None:
                args[idx] = value
        for name, idx in plan.time_steps:
            value = rec.get(name)
            if value is not None:
                if not isinstance(value, Sequence) or len(value) != 8:
                    raise ValueError(f"{layout.name}[{i}].{name}: SYSTEMTIME needs 8 integers")
                args[idx : idx + 8] = value
        for name, kind, idx, size_name, size_idx in plan.ptr_steps:
            value = rec.get(name)
            size = 0
            try:
                if value is None:
                    pass
                elif kind is Kind.FILE_INFO_ARRAY:
                    entries = _file_infos(value)
                    size = len(entries)
                    if entries:
                        cur = (cur - _FILE_INFO.size * size) & -4
                        block = cur
                        placed = []
                        for file_name, file_type, file_version in entries:
                            name_rel = None
                            if file_name is not None:
                                cur = (cur - len(file_name)) & -2
                                name_rel = cur
                                items.append((cur, file_name, i, -1))
                            placed.append((name_rel, file_type, file_version))
                        arrays.append((block, i, idx, placed))
                else:
                    if kind is Kind.STRING:
                        payload = _encode_wstr(value)
                    elif kind is Kind.MULTI_SZ:
                        payload = _encode_multi_sz(value)
                    elif kind is Kind.ASTRING:
                        payload = _encode_astr(value)
                    elif kind is Kind.BYTES:
                        payload = _blob(value) or None
                    else:
                        payload = _self_sized(kind, value)
                    if payload is not None:
                        size = len(payload)
                        cur = (cur - size) & -_ALIGN[kind]
                        items.append((cur, payload, i, idx))
            except _Bad as exc:
                raise ValueError(f"{layout.name}[{i}].{name}: {exc}") from None
            if size_name is not None:
                given = rec.get(size_name)
                if given is not None and given != size:
                    raise ValueError(
                        f"{layout.name}[{i}].{size_name}: given {given!r}, but {name} needs {size}"
                    )
                args[size_idx] = size
        try:
            plan.struct.pack(*args)
        except struct.error as exc:
            _diagnose(layout, i, rec)
            raise ValueError(f"{layout.name}[{i}]: {exc}") from None
        all_args.append(args)
    variable = (-cur + _VAR_ALIGN - 1) & -_VAR_ALIGN
    total = len(all_args) * plan.struct.size + variable
    return total, all_args, items, arrays


def _diagnose(layout: Layout, index: int, rec: Mapping[str, object]) -> None:
    """Raise a ValueError naming the integer field that does not fit its wire type."""
    for f in layout.fields:
        value = rec.get(f.name)
        if value is None:
            continue
        try:
            if f.kind is Kind.SYSTEMTIME:
                struct.pack("<8H", *value)
            elif f.kind in _INT_CODES:
                struct.pack("<" + _INT_CODES[f.kind], value)
        except (struct.error, TypeError):
            raise ValueError(
                f"{layout.name}[{index}].{f.name}: {value!r} does not fit a {f.kind.name}"
            ) from None


def pack(layout: Layout, records: Sequence[Mapping[str, object]]) -> bytes:
    """Custom-marshal an array of structures into one buffer.

    Args:
        layout: the structure's layout.
        records: one mapping per structure, keyed by field name; missing keys are NULL / 0.

    Returns:
        The whole buffer (Fixed_Portion blocks, then Variable_Data); its length is the value to
        report as ``pcbNeeded``.

    Raises:
        ValueError: naming the layout, record index and field, for an unknown key, a value of
            the wrong type or range, a string containing NUL, a multisz holding an empty
            string, a DEVMODE or security descriptor whose header disagrees with its length, or
            a size member that disagrees with the data it sizes.
    """
    total, all_args, items, arrays = _plan_buffer(layout, records)
    size = layout._plan.struct.size
    buf = bytearray(total)
    for rel, payload, i, idx in items:
        pos = total + rel
        buf[pos : pos + len(payload)] = payload
        if idx >= 0:
            all_args[i][idx] = pos - i * size
    for rel, i, idx, placed in arrays:
        pos = total + rel
        base = i * size
        all_args[i][idx] = pos - base
        for j, (name_rel, file_type, file_version) in enumerate(placed):
            name_off = 0 if name_rel is None else total + name_rel - base
            _FILE_INFO.pack_into(buf, pos + j * _FILE_INFO.size, name_off, file_type, file_version)
    pack_into = layout._plan.struct.pack_into
    for i, args in enumerate(all_args):
        pack_into(buf, i * size, *args)
    return bytes(buf)


def packed_size(layout: Layout, records: Sequence[Mapping[str, object]]) -> int:
    """Size of the buffer :func:`pack` would build, without building it.

    Args:
        layout: the structure's layout.
        records: as for :func:`pack`.

    Returns:
        ``len(pack(layout, records))``.

    Raises:
        ValueError: for the same inputs as :func:`pack`.
    """
    return _plan_buffer(layout, records)[0]


# --------------------------------------------------------------------------- unpacking


def _read_wstr(data: bytes, pos: int, limit: int) -> tuple[str, int]:
    """Decode the UTF-16LE string at ``pos``; return it and the index after its NUL."""
    j = pos
    while True:
        j = data.find(b"\x00\x00", j, limit)
        if j < 0:
            tail = "odd-length UTF-16, " if (limit - pos) % 2 else ""
            raise _Bad(f"unterminated string ({tail}starts at byte {pos:#x} of {limit})")
        if not (j - pos) % 2:
            return data[pos:j].decode("utf-16-le", "surrogatepass"), j + 2
        j += 1


def _read_multi_sz(data: bytes, pos: int, limit: int) -> tuple[str, ...]:
    items = []
    while True:
        text, nxt = _read_wstr(data, pos, limit)
        if not text:
            return tuple(items)
        items.append(text)
        pos = nxt


def _read_astr(data: bytes, pos: int, limit: int) -> str:
    j = data.find(b"\x00", pos, limit)
    if j < 0:
        raise _Bad(f"unterminated 8-bit string (starts at byte {pos:#x} of {limit})")
    return data[pos:j].decode("latin-1")


def _locate(off: int, base: int, fixed_total: int, total: int) -> int:
    pos = base + off
    if pos >= total:
        raise _Bad(f"offset {off:#x} beyond buffer of {total} bytes")
    if pos < fixed_total:
        raise _Bad(f"offset {off:#x} points into the fixed portion ({fixed_total} bytes)")
    return pos


def _decode_pointer(
    kind: Kind, off: int, size: int, base: int, fixed_total: int, data: bytes
) -> object:
    total = len(data)
    pos = _locate(off, base, fixed_total, total)
    if kind is Kind.STRING:
        return _read_wstr(data, pos, total)[0]
    if kind is Kind.MULTI_SZ:
        return _read_multi_sz(data, pos, total)
    if kind is Kind.ASTRING:
        return _read_astr(data, pos, total)
    if kind is Kind.DEVMODE:
        length = _devmode_length(data, pos, total)
    elif kind is Kind.SECURITY_DESCRIPTOR:
        length = _sd_length(data, pos, total)
    elif kind is Kind.BYTES:
        length = size
    else:  # FILE_INFO_ARRAY
        if pos + size * _FILE_INFO.size > total:
            raise _Bad(f"{size} file info entries at offset {off:#x} run past {total} bytes")
        entries = []
        for j in range(size):
            name_off, file_type, file_version = _FILE_INFO.unpack_from(
                data, pos + j * _FILE_INFO.size
            )
            name = None
            if name_off:
                try:
                    name_pos = _locate(name_off, base, fixed_total, total)
                    name = _read_wstr(data, name_pos, total)[0]
                except _Bad as exc:
                    raise _Bad(f"[{j}].FileName: {exc}") from None
            entries.append((name, file_type, file_version))
        return tuple(entries)
    if pos + length > total:
        raise _Bad(f"{length} bytes at offset {off:#x} run past buffer of {total} bytes")
    return data[pos : pos + length]


def unpack(
    layout: Layout, data: bytes | bytearray | memoryview, count: int
) -> list[dict[str, object]]:
    """Decode an array of custom-marshaled structures.

    Args:
        layout: the structure's layout.
        data: the buffer, starting at the first Fixed_Portion block.
        count: how many structures it holds (the call's ``pcReturned``).

    Returns:
        One dict per structure with every non-padding field; NULL pointers are ``None``.

    Raises:
        MarshalError: naming the layout, record index and field, if the buffer is shorter than
            the fixed portions, an offset points outside the Variable_Data area, a string is
            unterminated, or a DEVMODE, security descriptor, blob or file-info array does not
            fit in the buffer.
        ValueError: if ``count`` is negative.
    """
    if count < 0:
        raise ValueError(f"{layout.name}: negative count {count}")
    plan = layout._plan
    data = bytes(data)
    size = plan.struct.size
    fixed_total = size * count
    if len(data) < fixed_total:
        index, inside = divmod(len(data), size)
        field = next(name for end, name in plan.boundaries if end > inside)
        raise MarshalError(
            f"{layout.name}[{index}].{field}: buffer of {len(data)} bytes ends inside the fixed "
            f"portion ({count} x {size} bytes needed)",
            layout=layout.name,
            index=index,
            field=field,
        )
    out: list[dict[str, object]] = []
    for i, vals in enumerate(plan.struct.iter_unpack(data[:fixed_total])):
        base = i * size
        rec: dict[str, object] = {}
        for name, kind, idx, size_idx in plan.decode_steps:
            if kind is Kind.SYSTEMTIME:
                rec[name] = vals[idx : idx + 8]
            elif kind not in _POINTER_KINDS:
                rec[name] = vals[idx]
            elif not vals[idx]:
                rec[name] = None
            else:
                try:
                    size_value = vals[size_idx] if size_idx >= 0 else 0
                    rec[name] = _decode_pointer(
                        kind, vals[idx], size_value, base, fixed_total, data
                    )
                except _Bad as exc:
                    sep = "" if str(exc).startswith("[") else ": "
                    raise MarshalError(
                        f"{layout.name}[{i}].{name}{sep}{exc}",
                        layout=layout.name,
                        index=i,
                        field=name,
                    ) from None
        out.append(rec)
    return out


# --------------------------------------------------------------------------- plain helpers


def pack_string(s: str) -> bytes:
    """Encode one string result (GetPrinterDriverDirectory, GetPrintProcessorDirectory).

    Args:
        s: the string.

    Returns:
        UTF-16LE bytes followed by a 2-byte NUL.

    Raises:
        ValueError: if ``s`` is not a str or contains NUL.
    """
    try:
        return _encode_wstr(s)
    except _Bad as exc:
        raise ValueError(str(exc)) from None


def unpack_string(data: bytes | bytearray | memoryview) -> str:
    """Decode a buffer produced by :func:`pack_string`.

    Args:
        data: the buffer; bytes after the terminating NUL are ignored.

    Returns:
        The string.

    Raises:
        MarshalError: if the string is unterminated.
    """
    raw = bytes(data)
    try:
        return _read_wstr(raw, 0, len(raw))[0]
    except _Bad as exc:
        raise MarshalError(str(exc)) from None


def pack_multi_sz(items: Iterable[str]) -> bytes:
    """Encode a multisz (RpcEnumPrinterKey's subkey list, REG_MULTI_SZ data).

    Args:
        items: the strings, none empty and none containing NUL.

    Returns:
        Each string as UTF-16LE plus NUL, then one more NUL; 4 zero bytes for no strings.

    Raises:
        ValueError: for an empty string, a string containing NUL, or a non-str item.
    """
    try:
        return _encode_multi_sz(tuple(items))
    except _Bad as exc:
        raise ValueError(str(exc)) from None


def unpack_multi_sz(data: bytes | bytearray | memoryview) -> tuple[str, ...]:
    """Decode a multisz.

    Args:
        data: the buffer; bytes after the terminating empty string are ignored.

    Returns:
        The strings, in order.

    Raises:
        MarshalError: if the buffer has an odd length or the list is unterminated.
    """
    raw = bytes(data)
    if len(raw) % 2:
        raise MarshalError(f"odd-length UTF-16 multisz buffer of {len(raw)} bytes")
    try:
        return _read_multi_sz(raw, 0, len(raw))
    except _Bad as exc:
        raise MarshalError(str(exc)) from None
