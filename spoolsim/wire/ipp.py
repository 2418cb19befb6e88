"""IPP/1.1 and 2.x messages (RFC 8010 encoding, RFC 8011 generic rules) as a sans-I/O codec.

Theory of operation
===================

A message is an 8-byte header (version major and minor, operation-id or status-code, request-id;
big-endian, read unsigned), then items up to the end-of-attributes tag ``0x03``, then document
data.  An item is either a delimiter (one byte below ``0x10``: it opens a group, or ends the
attributes) or a value: tag, name-length, name, value-length, value.  A value with a name starts
an attribute; a value with name-length 0 adds to the attribute before it (``1setOf``).  A
collection (RFC 8010 3.1.6) is a ``begCollection`` value of length 0, then per member a
``memberAttrName`` item (name-length 0, the member's name as its value) followed by the member's
values (name-length 0 each, collections nesting the same way), then an ``endCollection`` item
with both lengths 0.  Because every item carries its own lengths, where the attributes end is
found without understanding them: :func:`_skim` hops from item to item, and only once it reaches
``0x03`` does :class:`_Reader` parse the head, in one pass.  :class:`IPPParser` skims what has
arrived, resuming where it stopped (so any chunking costs linear time), emits
:class:`MessageHead`, then passes the data on as :class:`Data` without keeping it.
:func:`decode` runs the same reader over a whole message, so the two agree on every input.

Values decode losslessly: each tag has one Python type (see :class:`Value`); the out-of-band
``unsupported``/``unknown``/``no-value`` are None when empty (RFC 8010 says they carry no value;
the rare non-empty one is kept as bytes), and tags this module does not know keep their raw
bytes, so ``encode(decode(b)) == b`` for every well-formed ``b``.  Lengths above 32767 (the
fields are SIGNED-SHORT), fixed-size values of the wrong size, booleans other than 0 or 1,
invalid UTF-8, collections that do not close and structure out of place are
``client-error-bad-request``; :class:`IPPError` says which attribute, what, and at which byte
(the offset of the item's tag in the message).  Collections nest at most ``_MAX_DEPTH`` deep;
an attribute section longer than :data:`MAX_HEAD` is ``client-error-request-entity-too-large``.

:func:`check_request` applies the RFC 8011 4.1 rules every request must pass (version,
request-id, the two leading operation attributes, the charset); :func:`response_to` builds the
matching response.  Encoding refuses, with ValueError naming the attribute, what would not decode
back to the same message.
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable, Iterable
from typing import Any

import attrs

from spoolsim.wire.ippcodes import Op, Status, Tag

# fmt: off
__all__ = [
    "MAX_HEAD", "NEED_DATA", "Attribute", "Collection", "Data", "EndOfMessage", "Group", "IPPError",
    "IPPParser", "Message", "MessageHead", "Op", "Range", "Resolution", "Status", "Tag", "Value",
    "WithLanguage", "boolean", "charset", "check_request", "collection", "datetime_attr",
    "datetime_from_value", "datetime_value", "decode", "encode", "enum", "integer", "keyword",
    "language", "mime", "name", "no_value", "octet_string", "range_of", "resolution",
    "response_to", "text", "unknown", "uri", "uri_scheme",
]
# fmt: on


_KNOWN_TAGS = frozenset(Tag)
_OUT_OF_BAND = frozenset({Tag.UNSUPPORTED, Tag.UNKNOWN, Tag.NO_VALUE})
_STRINGS = frozenset(
    {Tag.TEXT, Tag.NAME, Tag.KEYWORD, Tag.URI, Tag.URI_SCHEME, Tag.CHARSET}
    | {Tag.NATURAL_LANGUAGE, Tag.MIME_TYPE, Tag.MEMBER_NAME}
)
_FIXED_SIZE = {
    Tag.INTEGER: 4, Tag.ENUM: 4, Tag.BOOLEAN: 1, Tag.DATETIME: 11, Tag.RESOLUTION: 9, Tag.RANGE: 8
}  # fmt: skip
_SYNTAX = {  # the RFC 8011 syntax names, for messages
    Tag.UNSUPPORTED: "unsupported", Tag.UNKNOWN: "unknown", Tag.NO_VALUE: "no-value",
    Tag.INTEGER: "integer", Tag.BOOLEAN: "boolean", Tag.ENUM: "enum",
    Tag.OCTET_STRING: "octetString", Tag.DATETIME: "dateTime", Tag.RESOLUTION: "resolution",
    Tag.RANGE: "rangeOfInteger", Tag.BEGIN_COLLECTION: "begCollection",
    Tag.TEXT_WITH_LANGUAGE: "textWithLanguage", Tag.NAME_WITH_LANGUAGE: "nameWithLanguage",
    Tag.END_COLLECTION: "endCollection", Tag.TEXT: "textWithoutLanguage",
    Tag.NAME: "nameWithoutLanguage", Tag.KEYWORD: "keyword", Tag.URI: "uri",
    Tag.URI_SCHEME: "uriScheme", Tag.CHARSET: "charset", Tag.NATURAL_LANGUAGE: "naturalLanguage",
    Tag.MIME_TYPE: "mimeMediaType", Tag.MEMBER_NAME: "memberAttrName",
}  # fmt: skip
_HEADER = struct.Struct(">BBHI")
_I32 = struct.Struct(">i")
_U16 = struct.Struct(">H")
_RESOLUTION = struct.Struct(">iib")
_RANGE = struct.Struct(">ii")
_DATETIME = struct.Struct(">HBBBBBBcBB")  # RFC 2579 DateAndTime
_MAX_LENGTH = 0x7FFF  # name-length and value-length are SIGNED-SHORT
_MAX_DEPTH = 32
MAX_HEAD = 1 << 20
"""Octets of the largest attribute section (header included) :func:`decode` and
:class:`IPPParser` accept by default: the items of a longer one are never parsed."""
_INT32 = (-(2**31), 2**31 - 1)
_SUPPORTED_MAJOR = (1, 2)
_BAD_REQUEST = Status.CLIENT_ERROR_BAD_REQUEST


def _syntax(tag: int) -> str:
    return _SYNTAX.get(tag, f"tag 0x{tag:02x}")


def _as_tag(tag: int) -> int:
    return Tag(tag) if tag in _KNOWN_TAGS else tag


@attrs.frozen
class Resolution:
    """A resolution value: ``units`` 3 is dots per inch, 4 dots per centimetre."""

    x: int
    y: int
    units: int = 3


@attrs.frozen
class Range:
    """A rangeOfInteger value (bounds included)."""

    lower: int
    upper: int


@attrs.frozen
class WithLanguage:
    """A textWithLanguage or nameWithLanguage value."""

    language: str
    text: str


@attrs.frozen
class Value:
    """One attribute value.

    ``value``'s type follows ``tag``: int for integer and enum (signed 32-bit), bool for boolean,
    str for the character-string tags, bytes for octetString and dateTime (11 bytes, see
    :func:`datetime_value`), :class:`Resolution`, :class:`Range`, :class:`WithLanguage`,
    :class:`Collection` for begCollection, None for an out-of-band value, bytes for any tag this
    module does not know.
    """

    tag: int
    value: object


@attrs.frozen
class Attribute:
    """A named attribute with one or more values."""

    name: str
    values: tuple[Value, ...] = attrs.field(converter=tuple)

    @values.validator
    def _check_values(self, _attribute: attrs.Attribute, values: tuple[Value, ...]) -> None:
        if not values:
            raise ValueError(f"attribute {self.name!r} needs at least one value")

    @property
    def tag(self) -> int:
        """The first value's tag."""
        return self.values[0].tag

    @property
    def value(self) -> object:
        """The first value's Python value."""
        return self.values[0].value

    @property
    def py(self) -> tuple[object, ...]:
        """Every value's Python value."""
        return tuple(v.value for v in self.values)


def _first(attributes: Iterable[Attribute], wanted: str) -> Attribute | None:
    return next((a for a in attributes if a.name == wanted), None)


@attrs.frozen
class Collection:
    """A collection value: its member attributes, in order."""

    members: tuple[Attribute, ...] = attrs.field(converter=tuple, default=())

    def get(self, member: str) -> Attribute | None:
        """The member called ``member``, or None."""
        return _first(self.members, member)


@attrs.frozen
class Group:
    """An attribute group: a delimiter tag and its attributes, in order."""

    tag: int
    attributes: tuple[Attribute, ...] = attrs.field(converter=tuple, default=())

    def get(self, attribute: str) -> Attribute | None:
        """The first attribute called ``attribute``, or None."""
        return _first(self.attributes, attribute)


@attrs.frozen
class Message:
    """A request (``code`` is the operation-id) or a response (``code`` is the status-code)."""

    version: tuple[int, int] = attrs.field(converter=tuple)
    code: int
    request_id: int
    groups: tuple[Group, ...] = attrs.field(converter=tuple, default=())
    data: bytes = b""

    def group(self, tag: int) -> Group | None:
        """The first group with ``tag``, or None."""
        return next((g for g in self.groups if g.tag == tag), None)

    def groups_of(self, tag: int) -> tuple[Group, ...]:
        """Every group with ``tag``, in order."""
        return tuple(g for g in self.groups if g.tag == tag)

    def operation_attribute(self, attribute: str) -> Attribute | None:
        """``attribute`` in the first operation-attributes group, or None."""
        group = self.group(Tag.OPERATION)
        return group.get(attribute) if group else None

    def attribute(self, group_tag: int, attribute: str) -> Attribute | None:
        """The first ``attribute`` in any group with ``group_tag``, or None."""
        found = (g.get(attribute) for g in self.groups_of(group_tag))
        return next((a for a in found if a is not None), None)


class IPPError(Exception):
    """A request that cannot be served as sent.

    Attributes:
        status: the status to reply with.
        message: what was wrong and where (attribute, byte offset).
        offset: byte offset in the message of the item at fault, or None.
        request_id: the request's id, 0 when it could not be read.
    """

    def __init__(
        self, status: Status, message: str, *, offset: int | None = None, request_id: int = 0
    ) -> None:
        super().__init__(message)
        self.status, self.message = status, message
        self.offset, self.request_id = offset, request_id


# -- dateTime -------------------------------------------------------------------------------------


def datetime_value(dt: datetime.datetime) -> bytes:
    """The 11-byte RFC 2579 DateAndTime of ``dt`` (to the tenth of a second).

    Args:
        dt: an aware datetime; its UTC offset must be whole minutes.

    Returns:
        The dateTime value bytes.

    Raises:
        ValueError: ``dt`` is naive or its offset has seconds.
    """
    offset = dt.utcoffset()
    if offset is None:
        raise ValueError(f"{dt!r} has no time zone; a dateTime needs one")
    minutes, rest = divmod(offset, datetime.timedelta(minutes=1))
    if rest:
        raise ValueError(f"UTC offset {offset} is not whole minutes")
    sign = b"+" if minutes >= 0 else b"-"
    hours, minutes = divmod(abs(minutes), 60)
    return _DATETIME.pack(
        dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.microsecond // 100_000,
        sign, hours, minutes,
    )  # fmt: skip


def datetime_from_value(raw: bytes) -> datetime.datetime:
    """The aware datetime a dateTime value stands for (inverse of :func:`datetime_value`).

    Args:
        raw: an 11-byte RFC 2579 DateAndTime.

    Returns:
        The datetime, with a fixed-offset time zone.

    Raises:
        ValueError: wrong length, or a field out of range (a leap second included).
    """
    if len(raw) != _DATETIME.size:
        raise ValueError(f"a dateTime is {_DATETIME.size} bytes, not {len(raw)}")
    year, month, day, hour, minute, second, deci, sign, hours, minutes = _DATETIME.unpack(raw)
    if sign not in (b"+", b"-") or deci > 9 or minutes > 59:
        raise ValueError(f"invalid dateTime {raw.hex()}")
    offset = datetime.timedelta(hours=hours, minutes=minutes) * (1 if sign == b"+" else -1)
    return datetime.datetime(
        year, month, day, hour, minute, second, deci * 100_000, datetime.timezone(offset)
    )


# -- builders: each takes the attribute's name, then its values ----------------------------------


def _builder(tag: Tag, convert: Callable[[Any], object] | None = None) -> Callable[..., Attribute]:
    def build(name: str, *values: Any) -> Attribute:
        return Attribute(name, tuple(Value(tag, convert(v) if convert else v) for v in values))

    build.__doc__ = f"A {_syntax(tag)} attribute: ``name``, then one or more values."
    return build


def _as_collection(value: Collection | Iterable[Attribute]) -> Collection:
    return value if isinstance(value, Collection) else Collection(tuple(value))


integer = _builder(Tag.INTEGER)
enum = _builder(Tag.ENUM, int)  # IntEnum members become plain ints
boolean = _builder(Tag.BOOLEAN)
keyword = _builder(Tag.KEYWORD)
name = _builder(Tag.NAME)  # nameWithoutLanguage
text = _builder(Tag.TEXT)  # textWithoutLanguage
uri = _builder(Tag.URI)
uri_scheme = _builder(Tag.URI_SCHEME)
charset = _builder(Tag.CHARSET)
language = _builder(Tag.NATURAL_LANGUAGE)
mime = _builder(Tag.MIME_TYPE)
octet_string = _builder(Tag.OCTET_STRING)
collection = _builder(Tag.BEGIN_COLLECTION, _as_collection)  # Collections or member lists
datetime_attr = _builder(Tag.DATETIME, lambda dt: datetime_value(dt))  # aware datetimes


def range_of(name: str, lower: int, upper: int) -> Attribute:
    """A rangeOfInteger attribute with one range."""
    return Attribute(name, (Value(Tag.RANGE, Range(lower, upper)),))


def resolution(name: str, x: int, y: int, units: int = 3) -> Attribute:
    """A resolution attribute with one value (``units`` 3 = dpi, 4 = dots per cm)."""
    return Attribute(name, (Value(Tag.RESOLUTION, Resolution(x, y, units)),))


def no_value(name: str) -> Attribute:
    """An attribute whose value is the out-of-band ``no-value``."""
    return Attribute(name, (Value(Tag.NO_VALUE, None),))


def unknown(name: str) -> Attribute:
    """An attribute whose value is the out-of-band ``unknown``."""
    return Attribute(name, (Value(Tag.UNKNOWN, None),))


# -- encoding -------------------------------------------------------------------------------------


def _utf8(value: object, where: str, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{where}: {what} must be str, not {type(value).__name__}")
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"{where}: {what} {value!r} is not encodable as UTF-8") from exc


def _int(value: object, low: int, high: int, where: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{where}: {what} {value!r} is not an integer from {low} to {high}")
    return value


def _pack_value(value: Value, where: str) -> bytes:
    """The value field of one non-collection value."""
    tag, py = value.tag, value.value
    syntax = _syntax(tag)
    if tag in (Tag.INTEGER, Tag.ENUM):
        return _I32.pack(_int(py, *_INT32, where, f"{syntax} value"))
    if tag == Tag.BOOLEAN and isinstance(py, bool):
        return b"\x01" if py else b"\x00"
    if tag == Tag.RESOLUTION and isinstance(py, Resolution):
        x, y = (_int(v, *_INT32, where, "resolution") for v in (py.x, py.y))
        return _RESOLUTION.pack(x, y, _int(py.units, -128, 127, where, "resolution units"))
    if tag == Tag.RANGE and isinstance(py, Range):
        return _RANGE.pack(*(_int(v, *_INT32, where, "range bound") for v in (py.lower, py.upper)))
    if tag in (Tag.TEXT_WITH_LANGUAGE, Tag.NAME_WITH_LANGUAGE) and isinstance(py, WithLanguage):
        lang, words = _utf8(py.language, where, "language"), _utf8(py.text, where, "text")
        if len(lang) + len(words) + 4 > _MAX_LENGTH:
            raise ValueError(f"{where}: {syntax} value longer than {_MAX_LENGTH} bytes")
        return _U16.pack(len(lang)) + lang + _U16.pack(len(words)) + words
    if tag in _STRINGS:
        return _utf8(py, where, f"{syntax} value")
    if tag in _OUT_OF_BAND and py is None:
        return b""
    if tag == Tag.DATETIME and not (isinstance(py, bytes) and len(py) == _DATETIME.size):
        raise ValueError(f"{where}: dateTime value must be 11 bytes (see datetime_value)")
    raw_ok = tag in (Tag.OCTET_STRING, Tag.DATETIME) or tag in _OUT_OF_BAND
    if isinstance(py, bytes) and (raw_ok or tag not in _KNOWN_TAGS):
        return py
    raise ValueError(f"{where}: {syntax} value cannot be {type(py).__name__}")


def _put(out: bytearray, tag: int, label: bytes, raw: bytes, where: str) -> None:
    for what, field in (("name", label), ("value", raw)):
        if len(field) > _MAX_LENGTH:
            raise ValueError(f"{where}: {what} of {len(field)} bytes (at most {_MAX_LENGTH})")
    out += bytes([tag]) + _U16.pack(len(label)) + label + _U16.pack(len(raw)) + raw


def _put_attribute(out: bytearray, attr: Attribute, path: str, named: bool, depth: int) -> None:
    where = f"attribute {path!r}"
    if not attr.name:
        raise ValueError(f"{where}: an attribute name cannot be empty")
    label = _utf8(attr.name, where, "name") if named else b""
    for value in attr.values:
        if not 0x10 <= value.tag <= 0xFF or value.tag in (Tag.END_COLLECTION, Tag.MEMBER_NAME):
            raise ValueError(f"{where}: {_syntax(value.tag)} is not an attribute value tag")
        if value.tag != Tag.BEGIN_COLLECTION:
            _put(out, value.tag, label, _pack_value(value, where), where)
        elif not isinstance(value.value, Collection):
            raise ValueError(f"{where}: begCollection value must be a Collection")
        elif depth >= _MAX_DEPTH:
            raise ValueError(f"{where}: collections nest deeper than {_MAX_DEPTH}")
        else:
            _put(out, Tag.BEGIN_COLLECTION, label, b"", where)
            for member in value.value.members:
                inner = f"{path}.{member.name}"
                _put(out, Tag.MEMBER_NAME, b"", _utf8(member.name, where, "member name"), where)
                _put_attribute(out, member, inner, False, depth + 1)
            _put(out, Tag.END_COLLECTION, b"", b"", where)
        label = b""


def encode(message: Message) -> bytes:
    """The bytes of ``message``: header, groups, end-of-attributes tag, data.

    Args:
        message: the request or response.

    Returns:
        The application/ipp body.

    Raises:
        ValueError: a header field, group tag or value that does not fit, naming the attribute.
    """
    major, minor = message.version
    header = [(major, 0xFF, "version major"), (minor, 0xFF, "version minor")]
    header += [(message.code, 0xFFFF, "code"), (message.request_id, 0xFFFF_FFFF, "request-id")]
    out = bytearray(_HEADER.pack(*(_int(v, 0, top, "header", what) for v, top, what in header)))
    for group in message.groups:
        if not 0x01 <= group.tag <= 0x0F or group.tag == Tag.END:
            raise ValueError(f"group tag {group.tag!r} is not a group delimiter (0x01-0x0f)")
        out.append(group.tag)
        for attr in group.attributes:
            _put_attribute(out, attr, attr.name, True, 0)
    out.append(Tag.END)
    return bytes(out + message.data)


# -- decoding -------------------------------------------------------------------------------------


@attrs.frozen
class _Item:
    offset: int  # of the tag byte
    tag: int
    name: str = ""
    raw: bytes = b""


class _Reader:
    """One pass over a message head (see the theory of operation)."""

    def __init__(self, buf: bytes, request_id: int) -> None:
        self.buf, self.pos, self.request_id = buf, _HEADER.size, request_id

    def fail(self, offset: int, where: str, problem: str) -> IPPError:
        text = f"{where} at byte {offset}: {problem}" if where else f"at byte {offset}: {problem}"
        return IPPError(_BAD_REQUEST, text, offset=offset, request_id=self.request_id)

    def take(self, size: int, offset: int, where: str, what: str) -> bytes:
        if self.pos + size > len(self.buf):
            have = len(self.buf) - self.pos
            raise self.fail(offset, where, f"truncated {what} ({have} of {size} bytes)")
        self.pos += size
        return self.buf[self.pos - size : self.pos]

    def length(self, offset: int, where: str, what: str) -> int:
        (size,) = _U16.unpack(self.take(2, offset, where, what))
        if size > _MAX_LENGTH:
            raise self.fail(offset, where, f"{what} {size} exceeds {_MAX_LENGTH}")
        return size

    def string(self, raw: bytes, offset: int, where: str, what: str) -> str:
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.fail(offset, where, f"invalid UTF-8 in {what} ({exc.reason})") from None

    def item(self, path: str) -> _Item:
        """The next item; ``path`` names the attribute a nameless value would belong to."""
        offset = self.pos
        if offset >= len(self.buf):
            raise self.fail(offset, "", "end of input before the end-of-attributes tag")
        tag = self.take(1, offset, "", "tag")[0]
        if tag < 0x10:
            return _Item(offset, tag)
        raw_name = self.take(self.length(offset, "", "name-length"), offset, "", "attribute name")
        label = self.string(raw_name, offset, "", "the attribute name")
        where = f"attribute {label or path!r}" if label or path else "value"
        raw = self.take(self.length(offset, where, "value-length"), offset, where, "value")
        return _Item(offset, tag, label, raw)

    def value(self, item: _Item, path: str, depth: int) -> Value:
        """The value of ``item`` (reading on to the endCollection for a collection)."""
        tag, raw, where = item.tag, item.raw, f"attribute {path!r}"
        size, syntax = _FIXED_SIZE.get(tag), _syntax(tag)
        if size is not None and len(raw) != size:
            problem = f"{syntax} value length {len(raw)}, expected {size}"
            raise self.fail(item.offset, where, problem)
        if tag in (Tag.INTEGER, Tag.ENUM):
            return Value(Tag(tag), int.from_bytes(raw, "big", signed=True))
        if tag == Tag.BOOLEAN:
            if raw[0] > 1:
                raise self.fail(item.offset, where, f"boolean value {raw[0]}, expected 0 or 1")
            return Value(Tag.BOOLEAN, raw == b"\x01")
        if tag == Tag.RESOLUTION:
            return Value(Tag.RESOLUTION, Resolution(*_RESOLUTION.unpack(raw)))
        if tag == Tag.RANGE:
            return Value(Tag.RANGE, Range(*_RANGE.unpack(raw)))
        if tag in (Tag.TEXT_WITH_LANGUAGE, Tag.NAME_WITH_LANGUAGE):
            return Value(Tag(tag), self.with_language(item, where, syntax))
        if tag in (Tag.MEMBER_NAME, Tag.END_COLLECTION):
            raise self.fail(item.offset, where, f"{syntax} outside a collection")
        if tag in _STRINGS:
            return Value(Tag(tag), self.string(raw, item.offset, where, f"{syntax} value"))
        if tag == Tag.BEGIN_COLLECTION:
            return Value(Tag.BEGIN_COLLECTION, self.collection(item, path, depth + 1))
        if tag in _OUT_OF_BAND and not raw:
            return Value(Tag(tag), None)
        return Value(_as_tag(tag), raw)

    def with_language(self, item: _Item, where: str, syntax: str) -> WithLanguage:
        raw, parts, pos = item.raw, [], 0
        for what in ("language", "text"):
            size = _U16.unpack(raw[pos : pos + 2])[0] if pos + 2 <= len(raw) else None
            if size is None or pos + 2 + size > len(raw):
                problem = f"{syntax} value length {len(raw)} is too short for its {what}"
                raise self.fail(item.offset, where, problem)
            parts.append(self.string(raw[pos + 2 : pos + 2 + size], item.offset, where, what))
            pos += 2 + size
        if pos != len(raw):
            problem = f"{syntax} value length {len(raw)}, its parts take {pos}"
            raise self.fail(item.offset, where, problem)
        return WithLanguage(*parts)

    def collection(self, begin: _Item, path: str, depth: int) -> Collection:
        where = f"attribute {path!r}"
        if begin.raw:
            raise self.fail(begin.offset, where, f"begCollection value length {len(begin.raw)}")
        if depth > _MAX_DEPTH:
            raise self.fail(begin.offset, where, f"collections nest deeper than {_MAX_DEPTH}")
        members: list[tuple[str, list[Value]]] = []
        while True:
            inner = f"{path}.{members[-1][0]}" if members else path
            item = self.item(inner)
            if item.tag < 0x10 or item.name:
                found = f"attribute {item.name!r}" if item.name else f"delimiter 0x{item.tag:02x}"
                raise self.fail(item.offset, where, f"collection not closed before {found}")
            if item.tag in (Tag.MEMBER_NAME, Tag.END_COLLECTION) and members and not members[-1][1]:
                raise self.fail(item.offset, f"attribute {inner!r}", "member without a value")
            if item.tag == Tag.END_COLLECTION:
                if item.raw:
                    raise self.fail(item.offset, where, "endCollection with a value")
                return Collection(tuple(Attribute(n, tuple(v)) for n, v in members))
            if item.tag == Tag.MEMBER_NAME:
                member = self.string(item.raw, item.offset, where, "memberAttrName")
                if not member:
                    raise self.fail(item.offset, where, "empty memberAttrName")
                members.append((member, []))
            elif not members:
                raise self.fail(item.offset, where, "value before the first memberAttrName")
            else:
                members[-1][1].append(self.value(item, inner, depth))


def _read_head(buf: bytes) -> tuple[Message, int]:
    """The message (without data) whose head starts ``buf``, and the head's length.

    Raises:
        IPPError: ``client-error-bad-request`` for any malformation, truncation included.
    """
    if len(buf) < _HEADER.size:
        problem = f"truncated header ({len(buf)} of {_HEADER.size} bytes)"
        raise IPPError(_BAD_REQUEST, problem, offset=len(buf))
    major, minor, code, request_id = _HEADER.unpack_from(buf)
    reader = _Reader(buf, request_id)
    groups: list[Group] = []
    group_tag: int | None = None
    attributes: list[tuple[str, list[Value]]] = []
    while True:
        item = reader.item(attributes[-1][0] if attributes else "")
        if item.tag < 0x10:
            if group_tag is not None:
                closed = (Attribute(n, tuple(v)) for n, v in attributes)
                groups.append(Group(_as_tag(group_tag), tuple(closed)))
            if item.tag == Tag.END:
                return Message((major, minor), code, request_id, tuple(groups)), reader.pos
            if item.tag == 0:
                raise reader.fail(item.offset, "", "group delimiter tag 0x00 is reserved")
            group_tag, attributes = item.tag, []
            continue
        where = f"attribute {item.name!r}" if item.name else "value"
        if group_tag is None:
            raise reader.fail(item.offset, where, "attribute before any group delimiter")
        if item.name:
            attributes.append((item.name, []))
        elif not attributes:
            problem = "additional value (name-length 0) with no attribute before it"
            raise reader.fail(item.offset, where, problem)
        attributes[-1][1].append(reader.value(item, attributes[-1][0], 0))


def decode(data: bytes, *, max_head: int = MAX_HEAD) -> Message:
    """The message in ``data`` (header, attributes and document data).

    Args:
        data: a whole application/ipp body.
        max_head: the largest attribute section accepted, header included (octets).

    Returns:
        The message.

    Raises:
        IPPError: ``client-error-bad-request``, naming what is malformed and where;
            ``client-error-request-entity-too-large`` for an attribute section over
            ``max_head`` (checked before any of it is parsed).
    """
    data = bytes(data)
    end, done = _skim(data, _HEADER.size) if len(data) >= _HEADER.size else (0, False)
    if (end if done else len(data)) > max_head:
        request_id = _HEADER.unpack_from(data)[3]
        problem = f"attribute section longer than {max_head} bytes"
        raise IPPError(Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE, problem, request_id=request_id)
    message, end = _read_head(data)
    return attrs.evolve(message, data=data[end:])


def _skim(buf: bytes | bytearray, pos: int) -> tuple[int, bool]:
    """Hop over the whole items of ``buf`` from ``pos``: (where it stopped, end tag passed)."""
    while pos < len(buf):
        if buf[pos] < 0x10:
            pos += 1
            if buf[pos - 1] == Tag.END:
                return pos, True
            continue
        if pos + 3 > len(buf):
            break
        at_value = pos + 3 + int.from_bytes(buf[pos + 1 : pos + 3], "big")
        if at_value + 2 > len(buf):
            break
        end = at_value + 2 + int.from_bytes(buf[at_value : at_value + 2], "big")
        if end > len(buf):
            break
        pos = end
    return pos, False


class _Sentinel:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _Sentinel()  # feed more bytes (or b"" for the end) before the next event


@attrs.frozen
class MessageHead:
    """The message's header and attributes (``message.data`` is empty)."""

    message: Message


@attrs.frozen
class Data:
    """Document data, as it arrives."""

    data: bytes


@attrs.frozen
class EndOfMessage:
    """The input ended after the head; no more events follow (this one repeats)."""


class IPPParser:
    """An incremental IPP message reader: bytes in, events out.

    Events, in order: one :class:`MessageHead` as soon as the end-of-attributes tag arrives,
    :class:`Data` while document data arrives, then :class:`EndOfMessage` once ``b""`` has been
    received.  :data:`NEED_DATA` means more input is needed first.

    Args:
        max_head: the largest attribute section accepted, header included (bytes).
    """

    def __init__(self, *, max_head: int = MAX_HEAD) -> None:
        self._max_head = max_head
        self._buf = bytearray()
        self._scanned = _HEADER.size  # items before this offset have been skimmed
        self._head_done = self._ended = False
        self._error: IPPError | None = None

    def receive_data(self, data: bytes) -> None:
        """Take the next bytes of the message; ``b""`` means the input has ended.

        Raises:
            RuntimeError: data after the end of input.
        """
        if self._ended:
            raise RuntimeError("receive_data after the end of input")
        if data:
            self._buf += data
        else:
            self._ended = True

    def next_event(self) -> MessageHead | Data | EndOfMessage | _Sentinel:
        """The next event, or :data:`NEED_DATA`.

        Raises:
            IPPError: the message is malformed (``client-error-bad-request``) or its attribute
                section exceeds ``max_head`` (``client-error-request-entity-too-large``); raised
                again on every later call.
        """
        if self._error is not None:
            raise self._error
        try:
            return self._next()
        except IPPError as exc:
            self._error = exc
            raise

    def _next(self) -> MessageHead | Data | EndOfMessage | _Sentinel:
        if self._head_done:
            if self._buf:
                chunk = bytes(self._buf)
                self._buf.clear()
                return Data(chunk)
            return EndOfMessage() if self._ended else NEED_DATA
        done = False
        if len(self._buf) >= _HEADER.size:
            self._scanned, done = _skim(self._buf, self._scanned)
        if (self._scanned if done else len(self._buf)) > self._max_head:
            request_id = _HEADER.unpack_from(self._buf)[3] if len(self._buf) >= 8 else 0
            problem = f"attribute section longer than {self._max_head} bytes"
            status = Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
            raise IPPError(status, problem, request_id=request_id)
        if done:
            message, _ = _read_head(bytes(self._buf[: self._scanned]))
            del self._buf[: self._scanned]
            self._head_done = True
            return MessageHead(message)
        if not self._ended:
            return NEED_DATA
        _read_head(bytes(self._buf))  # raises: the input stops inside the head
        raise IPPError(_BAD_REQUEST, "end of input before the end-of-attributes tag")


# -- the generic request rules, and responses ----------------------------------------------------


def check_request(message: Message) -> None:
    """Apply the checks RFC 8011 4.1 makes of every request, in the RFC's order.

    Args:
        message: a decoded request.

    Raises:
        IPPError: ``server-error-version-not-supported`` for a major version other than 1 or 2;
            ``client-error-bad-request`` for a request-id outside 1 to 2**31-1 or operation
            attributes that do not start with attributes-charset then
            attributes-natural-language (one value each); ``client-error-charset-not-supported``
            for a charset other than utf-8 or us-ascii.
    """

    def refuse(status: Status, problem: str) -> IPPError:
        return IPPError(status, problem, request_id=message.request_id)

    major, minor = message.version
    if major not in _SUPPORTED_MAJOR:
        problem = f"version {major}.{minor} is not supported (1.x and 2.x are)"
        raise refuse(Status.SERVER_ERROR_VERSION_NOT_SUPPORTED, problem)
    if not 1 <= message.request_id <= _INT32[1]:
        raise refuse(_BAD_REQUEST, f"request-id {message.request_id} is not from 1 to 2**31-1")
    if not message.groups or message.groups[0].tag != Tag.OPERATION:
        raise refuse(_BAD_REQUEST, "the first group is not operation-attributes")
    found = message.groups[0].attributes
    wanted = [("attributes-charset", Tag.CHARSET)]
    wanted.append(("attributes-natural-language", Tag.NATURAL_LANGUAGE))
    for index, (attribute, tag) in enumerate(wanted):
        got = found[index] if index < len(found) else None
        if got is None or got.name != attribute or got.tag != tag or len(got.values) != 1:
            seen = f"{got.name!r} ({_syntax(got.tag)})" if got else "nothing"
            problem = f"operation attribute {index + 1} must be {attribute!r} ({_syntax(tag)}), "
            raise refuse(_BAD_REQUEST, problem + f"found {seen}")
    value = found[0].value
    if not isinstance(value, str) or value.lower() not in ("utf-8", "us-ascii"):
        problem = f"attributes-charset {value!r} is not supported (utf-8 and us-ascii are)"
        raise refuse(Status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED, problem)


def response_to(
    request: Message | int, status: Status, *groups: Group, message: str | None = None
) -> Message:
    """A response to ``request``.

    Args:
        request: the request, or just its id (when it could not be decoded).
        status: the status-code.
        groups: the groups after the operation attributes; the attributes of any
            operation-attributes group among them are appended to the leading one.
        message: a status-message (cut to the 255 octets RFC 8011 allows), or None.

    Returns:
        A response with the request's version (1.1 for an unsupported or unknown one) and
        request-id, whose operation attributes start with attributes-charset ``utf-8`` and
        attributes-natural-language ``en``.
    """
    if isinstance(request, Message):
        supported = request.version[0] in _SUPPORTED_MAJOR
        version, request_id = request.version if supported else (1, 1), request.request_id
    else:
        version, request_id = (1, 1), request
    operation = [charset("attributes-charset", "utf-8")]
    operation.append(language("attributes-natural-language", "en"))
    if message is not None:
        clipped = message.encode("utf-8")[:255].decode("utf-8", errors="ignore")
        operation.append(text("status-message", clipped))
    rest = []
    for group in groups:
        if group.tag == Tag.OPERATION:
            operation.extend(group.attributes)
        else:
            rest.append(group)
    return Message(version, status, request_id, (Group(Tag.OPERATION, operation), *rest))
