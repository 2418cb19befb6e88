"""NDR 2.0 (C706 chapter 14, little-endian) for DCE/RPC method bodies, as a sans-I/O codec.

Theory of operation
===================

A type is a small descriptor object (:class:`NdrType`); structures, unions, pointers and arrays
are composed from them the way the IDL composes them, and a method is a list of its parameters
(``spoolsim.wire.winspool``). Values are plain Python: ``int``, ``str``, ``bytes``, ``None`` for a
null pointer, ``dict`` for a structure (fields by their IDL names), ``tuple`` for an array.

Scalars and buffers (C706 14.3.12)
    Every type is marshalled in two passes, as the stubs do: its *scalars* (primitives, the
    referent ids of embedded pointers, union discriminants) and then its *buffers* (the referents
    of those embedded pointers, each one whole, scalars and buffers, in field order). A top-level
    parameter is its scalars followed at once by its buffers, so the referent of an embedded
    pointer follows the outermost construct that holds it, recursively and in order. A top-level
    ``[ref]`` pointer adds nothing to its referent on the wire, so it is written as the referent
    type itself; a ``[unique]`` pointer, top-level or embedded, is :class:`Unique`.

Alignment
    Positions are counted from the start of the stub. A primitive is aligned to its size (hyper:
    8), a structure to its largest member, a conformant array's ``max_count`` to 4 and its
    elements to theirs. A union counts in its structure's alignment with its largest arm (C706
    14.3.8), but on the wire only its discriminant and then its arm are aligned, each to its own
    type: MIDL compiles the unions of the published MS-RPRN / MS-PAR IDL as DCE unions (the
    ``union_arms`` alignment nibble of the generated format strings is 0), so the ``ms_union``
    arm alignment of MS-RPCE 2.2.4.5 does not apply to them. A structure ending in a conformant
    array (a conformant structure) carries the array's ``max_count`` before the structure and its
    alignment gap (C706 14.3.7.1).

Unions
    Non-encapsulated: the discriminant is marshalled before the arm, and must equal the value the
    structure's ``switch_is`` expression gives; the union's value is the arm's value.

Errors
    Decoding raises only :class:`NdrError`, whose detail names the field path and the fault
    (``Method.param.field.arm.field: string actual_count 400 runs past the end of the stub``).
    Counts are checked against the octets left before anything is allocated, so a hostile
    ``max_count`` of 0xFFFFFFFF costs nothing. Encoding a value that does not fit its type is our
    own fault and raises :class:`ValueError`.

Strings are UTF-16LE with ``surrogatepass`` (Windows names are 16-bit units); a decoded string
ends at its first NUL. Conformant BYTE arrays are sliced in one piece, never octet by octet.
"""

from __future__ import annotations

import abc
import struct
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

FIRST_REFERENT = 0x00020000  # the referent ids Windows and Samba stubs start from


class NdrError(Exception):
    """Bytes that are not a valid NDR representation; ``detail`` names the field and the fault."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


_U32 = struct.Struct("<I")
_U32x3 = struct.Struct("<III")


class Reader:
    """A position in a stub being decoded."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self.data = bytes(data)
        self.pos = 0

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def align(self, n: int) -> None:
        self.pos = (self.pos + n - 1) & -n

    def take(self, n: int, path: str, what: str) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise NdrError(f"{path}: {what} runs past the end of the stub")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, st: struct.Struct, path: str, what: str) -> tuple[Any, ...]:
        if self.pos + st.size > len(self.data):
            raise NdrError(f"{path}: {what} runs past the end of the stub")
        values = st.unpack_from(self.data, self.pos)
        self.pos += st.size
        return values

    def count(self, n: int, size: int, path: str, what: str) -> None:
        """Refuse ``n`` elements of at least ``size`` octets when fewer octets are left."""
        if n * max(size, 1) > self.remaining:
            raise NdrError(
                f"{path}: {what} {n} needs more than the {self.remaining} octets left in the stub"
            )


class Writer:
    """A stub being encoded."""

    __slots__ = ("buf", "next_referent")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.next_referent = FIRST_REFERENT

    def align(self, n: int) -> None:
        self.buf += bytes(-len(self.buf) % n)

    def referent(self) -> int:
        ref = self.next_referent
        self.next_referent += 4
        return ref


def _pack(w: Writer, st: struct.Struct, path: str, *values: Any) -> None:
    try:
        w.buf += st.pack(*values)
    except struct.error as err:
        raise ValueError(f"{path}: {values!r} does not fit: {err}") from None


class NdrType(abc.ABC):
    """A wire type. ``align``: its alignment; ``min_size``: the fewest octets its scalars take
    (guards counts); ``deferred``: whether it has a buffers pass (embedded pointers)."""

    name = "?"
    align = 1
    min_size = 0
    deferred = False

    @abc.abstractmethod
    def read_scalars(self, r: Reader, path: str) -> Any:
        """The value's inline part, with embedded pointers as their referent ids."""

    def read_buffers(self, r: Reader, value: Any, path: str) -> Any:
        return value

    @abc.abstractmethod
    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        """Write the value's inline part (its referents come in the buffers pass)."""

    def write_buffers(self, w: Writer, value: Any, path: str) -> None:
        return None

    def read(self, r: Reader, path: str) -> Any:
        """The whole representation: scalars, then buffers (a top-level parameter, a referent)."""
        value = self.read_scalars(r, path)
        return self.read_buffers(r, value, path) if self.deferred else value

    def write(self, w: Writer, value: Any, path: str) -> None:
        self.write_scalars(w, value, path)
        if self.deferred:
            self.write_buffers(w, value, path)

    def __repr__(self) -> str:
        return self.name


class Prim(NdrType):
    """A primitive: ``fmt`` is a :mod:`struct` code (``I`` DWORD, ``H`` enum, ``Q`` hyper ...)."""

    def __init__(self, name: str, fmt: str) -> None:
        self.name = name
        self.st = struct.Struct("<" + fmt)
        self.align = self.min_size = self.st.size

    def read_scalars(self, r: Reader, path: str) -> Any:
        r.align(self.align)
        return r.unpack(self.st, path, self.name)[0]

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        w.align(self.align)
        _pack(w, self.st, path, 0 if value is None else value)


BYTE = Prim("BYTE", "B")
USHORT = Prim("unsigned short", "H")
SHORT = Prim("short", "h")
ENUM = Prim("enum", "H")  # an NDR enum without [v1_enum] is 16 bits (C706 14.2.11)
DWORD = Prim("DWORD", "I")
LONG = Prim("long", "i")
FLOAT = Prim("float", "f")
HYPER = Prim("hyper", "Q")  # unsigned __int64, DWORDLONG: 8-aligned
LONGLONG = Prim("LONGLONG", "q")


class ContextHandle(NdrType):
    """A 20-octet context handle (attributes and UUID), as ``bytes``; None writes zeros."""

    name = "context handle"
    align = 4
    min_size = 20

    def read_scalars(self, r: Reader, path: str) -> bytes:
        r.align(4)
        return r.take(20, path, self.name)

    def write_scalars(self, w: Writer, value: bytes | None, path: str) -> None:
        value = bytes(20) if value is None else bytes(value)
        if len(value) != 20:
            raise ValueError(f"{path}: a context handle is 20 octets, not {len(value)}")
        w.align(4)
        w.buf += value


class FixedBytes(NdrType):
    """``n`` octets inline, aligned to ``align`` (a GUID is 16 octets aligned to 4)."""

    def __init__(self, name: str, n: int, align: int = 1) -> None:
        self.name, self.n, self.align, self.min_size = name, n, align, n

    def read_scalars(self, r: Reader, path: str) -> bytes:
        r.align(self.align)
        return r.take(self.n, path, self.name)

    def write_scalars(self, w: Writer, value: bytes | None, path: str) -> None:
        value = bytes(self.n) if value is None else bytes(value)
        if len(value) != self.n:
            raise ValueError(f"{path}: {self.name} is {self.n} octets, not {len(value)}")
        w.align(self.align)
        w.buf += value


class Mapped(NdrType):
    """A pointer-free type whose Python value is converted: ``to_py(wire)``, ``from_py(value)``."""

    def __init__(
        self, name: str, inner: NdrType, to_py: Callable[[Any], Any], from_py: Callable[[Any], Any]
    ) -> None:
        assert not inner.deferred, "Mapped wraps pointer-free types only"
        self.name, self.inner, self.to_py, self.from_py = name, inner, to_py, from_py
        self.align, self.min_size = inner.align, inner.min_size

    def read_scalars(self, r: Reader, path: str) -> Any:
        return self.to_py(self.inner.read_scalars(r, path))

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        self.inner.write_scalars(w, self.from_py(value), path)


class FixedArray(NdrType):
    """``elem[n]`` inline: a tuple (``bytes`` for BYTE)."""

    def __init__(self, elem: NdrType, n: int, name: str | None = None) -> None:
        self.elem, self.n = elem, n
        self.name = name or f"{elem.name}[{n}]"
        self.align, self.min_size, self.deferred = elem.align, elem.min_size * n, elem.deferred

    def read_scalars(self, r: Reader, path: str) -> Any:
        r.align(self.align)
        return _read_elements(self.elem, r, self.n, path)

    def read_buffers(self, r: Reader, value: Any, path: str) -> Any:
        return _read_element_buffers(self.elem, r, value, path)

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        if value is None:
            value = bytes(self.n) if self.elem is BYTE else (0,) * self.n
        if len(value) != self.n:
            raise ValueError(f"{path}: {self.name} takes {self.n} elements, not {len(value)}")
        w.align(self.align)
        _write_elements(self.elem, w, value, path)

    def write_buffers(self, w: Writer, value: Any, path: str) -> None:
        _write_element_buffers(self.elem, w, value, path)


class FixedWString(NdrType):
    """``wchar_t name[n]`` inline, as ``str`` (cut at the first NUL; padded with NULs)."""

    def __init__(self, n: int) -> None:
        self.n, self.name, self.align, self.min_size = n, f"wchar_t[{n}]", 2, 2 * n

    def read_scalars(self, r: Reader, path: str) -> str:
        r.align(2)
        return _decode_utf16(r.take(2 * self.n, path, self.name))

    def write_scalars(self, w: Writer, value: str | None, path: str) -> None:
        data = _encode_utf16(value or "")
        if len(data) > 2 * self.n:
            raise ValueError(f"{path}: {len(data) // 2} characters do not fit {self.name}")
        w.align(2)
        w.buf += data + bytes(2 * self.n - len(data))


# -- arrays ---------------------------------------------------------------------------------------

_WCHAR = Prim("wchar_t", "H")
_CHAR = Prim("char", "B")


def _decode_utf16(data: bytes, *, cut: bool = True) -> str:
    text = data.decode("utf-16-le", "surrogatepass")
    return text.split("\0", 1)[0] if cut else text


def _encode_utf16(text: str) -> bytes:
    return text.encode("utf-16-le", "surrogatepass")


def _read_elements(elem: NdrType, r: Reader, n: int, path: str) -> Any:
    if elem is BYTE:
        return r.take(n, path, f"{n} octets")
    if elem is _WCHAR:
        return _decode_utf16(r.take(2 * n, path, f"{n} characters"), cut=False)
    if isinstance(elem, Prim):
        r.align(elem.align)
        data = r.take(elem.st.size * n, path, f"{n} elements")
        return struct.unpack(f"<{n}{elem.st.format[1:]}", data)
    r.count(n, elem.min_size, path, "element count")
    items = [elem.read_scalars(r, f"{path}[{i}]") for i in range(n)]
    return items if elem.deferred else tuple(items)


def _read_element_buffers(elem: NdrType, r: Reader, items: Any, path: str) -> Any:
    if not elem.deferred:
        return items
    return tuple(elem.read_buffers(r, v, f"{path}[{i}]") for i, v in enumerate(items))


def _write_elements(elem: NdrType, w: Writer, value: Any, path: str) -> None:
    if elem is BYTE:
        w.buf += value
    elif elem is _WCHAR:
        w.buf += _encode_utf16(value)
    elif isinstance(elem, Prim):
        w.align(elem.align)
        try:
            w.buf += struct.pack(f"<{len(value)}{elem.st.format[1:]}", *value)
        except struct.error as err:
            raise ValueError(f"{path}: {err}") from None
    else:
        for i, v in enumerate(value):
            elem.write_scalars(w, v, f"{path}[{i}]")


def _write_element_buffers(elem: NdrType, w: Writer, value: Any, path: str) -> None:
    if elem.deferred:
        for i, v in enumerate(value):
            elem.write_buffers(w, v, f"{path}[{i}]")


def _length(elem: NdrType, value: Any) -> int:
    return len(_encode_utf16(value)) // 2 if elem is _WCHAR else len(value)


class ConformantArray(NdrType):
    """``[size_is(n)] elem*`` referent, or a conformant structure's tail: ``max_count`` then the
    elements. BYTE gives ``bytes``, wchar_t a ``str`` (every character, NULs included), other
    element types a tuple."""

    def __init__(self, elem: NdrType, name: str | None = None) -> None:
        self.elem = elem
        self.name = name or f"{elem.name}[]"
        self.align = max(4, elem.align)
        self.min_size = 4
        self.deferred = elem.deferred

    def read_scalars(self, r: Reader, path: str) -> Any:
        r.align(4)
        (n,) = r.unpack(_U32, path, "max_count")
        return self.read_elements(r, n, path)

    def read_elements(self, r: Reader, n: int, path: str) -> Any:
        r.count(n, self.elem.min_size, path, "max_count")
        if n:
            r.align(self.elem.align)
        return _read_elements(self.elem, r, n, path)

    def read_buffers(self, r: Reader, value: Any, path: str) -> Any:
        return _read_element_buffers(self.elem, r, value, path)

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        value = self.empty if value is None else value
        w.align(4)
        _pack(w, _U32, path, _length(self.elem, value))
        self.write_elements(w, value, path)

    def write_elements(self, w: Writer, value: Any, path: str) -> None:
        if len(value):
            w.align(self.elem.align)
        _write_elements(self.elem, w, value, path)

    def write_buffers(self, w: Writer, value: Any, path: str) -> None:
        _write_element_buffers(self.elem, w, value, path)

    @property
    def empty(self) -> Any:
        return b"" if self.elem is BYTE else "" if self.elem is _WCHAR else ()


class VaryingString(NdrType):
    """The referent of ``[string] wchar_t*`` (``char*`` when ``wide`` is False): a conformant
    varying array (``max_count``, ``offset``, ``actual_count``) holding the terminating NUL. The
    value is the ``str`` before the first NUL."""

    def __init__(self, wide: bool = True) -> None:
        self.wide = wide
        self.width = 2 if wide else 1
        self.name = "string" if wide else "char string"
        self.align, self.min_size = 4, 12

    def read_scalars(self, r: Reader, path: str) -> str:
        r.align(4)
        max_count, offset, actual = r.unpack(_U32x3, path, f"{self.name} header")
        if offset > max_count or actual > max_count - offset:
            raise NdrError(
                f"{path}: {self.name} offset {offset} + actual_count {actual} "
                f"exceed max_count {max_count}"
            )
        data = r.take(actual * self.width, path, f"{self.name} actual_count {actual}")
        if self.wide:
            return _decode_utf16(data)
        return data.split(b"\0", 1)[0].decode("latin-1")

    def write_scalars(self, w: Writer, value: str | None, path: str) -> None:
        if value is None:
            raise ValueError(f"{path}: a [ref] string cannot be NULL")
        if self.wide:
            data = _encode_utf16(value + "\0")
        else:
            try:
                data = (value + "\0").encode("latin-1")
            except UnicodeEncodeError as err:
                raise ValueError(f"{path}: {err}") from None
        n = len(data) // self.width
        w.align(4)
        _pack(w, _U32x3, path, n, 0, n)
        w.buf += data


class Unique(NdrType):
    """A ``[unique]`` pointer: a referent id (0 for NULL; value None), its referent in the
    buffers pass."""

    align = 4
    min_size = 4
    deferred = True

    def __init__(self, target: NdrType) -> None:
        self.target = target
        self.name = f"{target.name}*"

    def read_scalars(self, r: Reader, path: str) -> int:
        r.align(4)
        return r.unpack(_U32, path, "referent id")[0]

    def read_buffers(self, r: Reader, value: int, path: str) -> Any:
        return None if value == 0 else self.target.read(r, path)

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        w.align(4)
        _pack(w, _U32, path, 0 if value is None else w.referent())

    def write_buffers(self, w: Writer, value: Any, path: str) -> None:
        if value is not None:
            self.target.write(w, value, path)


class Union(NdrType):
    """A non-encapsulated union: ``arms`` maps each case to (arm name, type; None for an empty
    arm); ``switch_is`` computes the discriminant from the enclosing structure's fields."""

    def __init__(
        self,
        switch_type: Prim,
        arms: Mapping[int, tuple[str, NdrType | None]],
        switch_is: Callable[[Mapping[str, Any]], int],
        name: str = "union",
    ) -> None:
        self.switch_type, self.arms, self.switch_is, self.name = switch_type, arms, switch_is, name
        arm_align = max((t.align for _, t in arms.values() if t is not None), default=1)
        self.align = max(switch_type.align, arm_align)
        self.min_size = switch_type.min_size
        self.deferred = any(t is not None and t.deferred for _, t in arms.values())

    def read_scalars(self, r: Reader, path: str) -> Any:
        raise TypeError(f"{path}: a non-encapsulated union is read by its structure (switch_is)")

    def write_scalars(self, w: Writer, value: Any, path: str) -> None:
        raise TypeError(f"{path}: a non-encapsulated union is written by its structure")

    def arm(self, disc: int, path: str) -> tuple[str, NdrType | None]:
        try:
            return self.arms[disc]
        except KeyError:
            raise NdrError(f"{path}: no union arm for discriminant {disc}") from None

    def read_arm(self, r: Reader, expected: int, path: str) -> Any:
        disc = self.switch_type.read_scalars(r, path)
        if disc != expected:
            raise NdrError(f"{path}: union discriminant {disc} but switch_is gives {expected}")
        name, t = self.arm(disc, path)
        return None if t is None else t.read_scalars(r, f"{path}.{name}")

    def read_arm_buffers(self, r: Reader, value: Any, disc: int, path: str) -> Any:
        name, t = self.arm(disc, path)
        return value if t is None or not t.deferred else t.read_buffers(r, value, f"{path}.{name}")

    def write_arm(self, w: Writer, value: Any, disc: int, path: str) -> None:
        try:
            name, t = self.arms[disc]
        except KeyError:
            raise ValueError(f"{path}: no union arm for discriminant {disc}") from None
        self.switch_type.write_scalars(w, disc, path)
        if t is not None:
            t.write_scalars(w, value, f"{path}.{name}")

    def write_arm_buffers(self, w: Writer, value: Any, disc: int, path: str) -> None:
        name, t = self.arms[disc]
        if t is not None and t.deferred:
            t.write_buffers(w, value, f"{path}.{name}")


class Struct(NdrType):
    """A structure: ``fields`` are (IDL name, type) in order; the value is a dict. A last field
    that is a :class:`ConformantArray` makes it a conformant structure."""

    def __init__(self, name: str, *fields: tuple[str, NdrType]) -> None:
        self.name, self.fields = name, fields
        self.align = max(t.align for _, t in fields)
        self.min_size = sum(t.min_size for _, t in fields)
        self.deferred = any(t.deferred for _, t in fields)
        last = fields[-1][1]
        self.conformant = last if isinstance(last, ConformantArray) else None
        assert not any(isinstance(t, ConformantArray) for _, t in fields[:-1])

    def read_scalars(self, r: Reader, path: str) -> dict[str, Any]:
        count = 0
        if self.conformant is not None:
            r.align(4)
            (count,) = r.unpack(_U32, path, "max_count")
        r.align(self.align)
        d: dict[str, Any] = {}
        for name, t in self.fields:
            p = f"{path}.{name}"
            if isinstance(t, Union):
                d[name] = t.read_arm(r, t.switch_is(d), p)
            elif t is self.conformant:
                d[name] = t.read_elements(r, count, p)
            else:
                d[name] = t.read_scalars(r, p)
        return d

    def read_buffers(self, r: Reader, d: dict[str, Any], path: str) -> dict[str, Any]:
        for name, t in self.fields:
            if t.deferred:
                p = f"{path}.{name}"
                if isinstance(t, Union):
                    d[name] = t.read_arm_buffers(r, d[name], t.switch_is(d), p)
                else:
                    d[name] = t.read_buffers(r, d[name], p)
        return d

    def write_scalars(self, w: Writer, value: Mapping[str, Any] | None, path: str) -> None:
        value = value or {}
        if self.conformant is not None:
            tail = value.get(self.fields[-1][0])
            w.align(4)
            _pack(w, _U32, path, _length(self.conformant.elem, tail or ()))
        w.align(self.align)
        for name, t in self.fields:
            p = f"{path}.{name}"
            v = value.get(name)
            if isinstance(t, Union):
                t.write_arm(w, v, t.switch_is(value), p)
            elif t is self.conformant:
                t.write_elements(w, v if v is not None else t.empty, p)
            else:
                t.write_scalars(w, v, p)

    def write_buffers(self, w: Writer, value: Mapping[str, Any] | None, path: str) -> None:
        value = value or {}
        for name, t in self.fields:
            if t.deferred:
                p = f"{path}.{name}"
                v = value.get(name)
                if isinstance(t, Union):
                    t.write_arm_buffers(w, v, t.switch_is(value), p)
                else:
                    t.write_buffers(w, v if v is not None else _empty(t), p)


def _empty(t: NdrType) -> Any:
    return t.empty if isinstance(t, ConformantArray) else None


# -- commonly used compositions -------------------------------------------------------------------

WSTR = VaryingString()  # the referent of [string] wchar_t*
PWSTR = Unique(WSTR)  # [string, unique] wchar_t*
CSTR = VaryingString(wide=False)
BYTES = ConformantArray(BYTE, "BYTE[]")  # the referent of [size_is(n)] BYTE*
PBYTES = Unique(BYTES)
WCHARS = ConformantArray(_WCHAR, "wchar_t[]")  # the referent of [size_is(n)] wchar_t* (no [string])
PWCHARS = Unique(WCHARS)
USHORTS = ConformantArray(USHORT, "unsigned short[]")
CONTEXT_HANDLE = ContextHandle()


def _filetime_to_int(v: Mapping[str, int]) -> int:
    return v["dwLowDateTime"] | v["dwHighDateTime"] << 32


def _int_to_filetime(v: int | None) -> dict[str, int]:
    v = v or 0
    return {"dwLowDateTime": v & 0xFFFFFFFF, "dwHighDateTime": v >> 32 & 0xFFFFFFFF}


# FILETIME is two DWORDs (4-aligned, MS-DTYP 2.3.3); its value is the 64-bit count as one int.
FILETIME = Mapped(
    "FILETIME",
    Struct("FILETIME", ("dwLowDateTime", DWORD), ("dwHighDateTime", DWORD)),
    _filetime_to_int,
    _int_to_filetime,
)
# GUID (MS-DTYP 2.3.4.2): Data1 DWORD, Data2/Data3 WORD, Data4 BYTE[8], 4-aligned; a uuid.UUID.
GUID = Mapped(
    "GUID",
    FixedBytes("GUID", 16, 4),
    lambda b: uuid.UUID(bytes_le=b),
    lambda u: (u if isinstance(u, uuid.UUID) else uuid.UUID(str(u or "0" * 32))).bytes_le,
)
# SYSTEMTIME (MS-DTYP 2.3.13): eight WORDs, a tuple (year, month, weekday, day, h, m, s, ms).
SYSTEMTIME = FixedArray(USHORT, 8, "SYSTEMTIME")


def decode(types: Sequence[tuple[str, NdrType]], stub: bytes, path: str) -> dict[str, Any]:
    """Top-level parameters ``types`` from ``stub``; trailing octets are left unread."""
    r = Reader(stub)
    return {name: t.read(r, f"{path}.{name}") for name, t in types}


def encode(types: Sequence[tuple[str, NdrType]], values: Mapping[str, Any], path: str) -> bytes:
    """Top-level parameters ``types`` with ``values`` (missing ones as zero/NULL)."""
    w = Writer()
    for name, t in types:
        v = values.get(name)
        if v is None and isinstance(t, ConformantArray):
            v = t.empty
        t.write(w, v, f"{path}.{name}")
    return bytes(w.buf)
