"""Tests for the IPP codec (spoolsim.wire.ipp): golden bytes, round trips, any chunking, malformed
input, the RFC 8011 4.1 request checks and responses."""

from __future__ import annotations

import datetime
import itertools

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.ipp import (
    NEED_DATA,
    Attribute,
    Collection,
    Data,
    EndOfMessage,
    Group,
    IPPError,
    IPPParser,
    Message,
    MessageHead,
    Op,
    Range,
    Resolution,
    Status,
    Tag,
    Value,
    WithLanguage,
    boolean,
    charset,
    check_request,
    collection,
    datetime_attr,
    datetime_from_value,
    datetime_value,
    decode,
    encode,
    enum,
    integer,
    keyword,
    language,
    mime,
    name,
    no_value,
    octet_string,
    range_of,
    resolution,
    response_to,
    text,
    unknown,
    uri,
    uri_scheme,
)

BAD_REQUEST = Status.CLIENT_ERROR_BAD_REQUEST
CHARSET = charset("attributes-charset", "utf-8")
LANGUAGE = language("attributes-natural-language", "en")

# -- golden bytes -------------------------------------------------------------------------------
# Written by hand from RFC 8010 3.1-3.9, field by field; none of it comes from the encoder.

GET_PRINTER_ATTRIBUTES_BYTES = b"".join([
    b"\x01\x01",  # version-number 1.1
    b"\x00\x0b",  # operation-id: Get-Printer-Attributes
    b"\x00\x00\x00\x01",  # request-id 1
    b"\x01",  # operation-attributes-tag
    b"\x47",  # value-tag: charset
    b"\x00\x12attributes-charset",  # name-length 18, name
    b"\x00\x05utf-8",  # value-length 5, value
    b"\x48",  # value-tag: naturalLanguage
    b"\x00\x1battributes-natural-language",  # name-length 27, name
    b"\x00\x05en-us",  # value-length 5, value
    b"\x45",  # value-tag: uri
    b"\x00\x0bprinter-uri",  # name-length 11, name
    b"\x00\x1fipp://printer.example/ipp/print",  # value-length 31, value
    b"\x44",  # value-tag: keyword
    b"\x00\x14requested-attributes",  # name-length 20, name
    b"\x00\x0cprinter-name",  # value-length 12, value
    b"\x44",  # value-tag: keyword (an additional value of the same attribute)
    b"\x00\x00",  # name-length 0
    b"\x00\x0dprinter-state",  # value-length 13, value
    b"\x03",  # end-of-attributes-tag
])  # fmt: skip
GET_PRINTER_ATTRIBUTES = Message(
    (1, 1),
    Op.GET_PRINTER_ATTRIBUTES,
    1,
    [
        Group(
            Tag.OPERATION,
            [
                CHARSET,
                language("attributes-natural-language", "en-us"),
                uri("printer-uri", "ipp://printer.example/ipp/print"),
                keyword("requested-attributes", "printer-name", "printer-state"),
            ],
        )
    ],
)

PRINT_JOB_BYTES = b"".join([
    b"\x01\x01",  # version-number 1.1
    b"\x00\x02",  # operation-id: Print-Job
    b"\x00\x00\x00\x02",  # request-id 2
    b"\x01",  # operation-attributes-tag
    b"\x47\x00\x12attributes-charset\x00\x05utf-8",  # charset, 18-byte name, 5-byte value
    b"\x48\x00\x1battributes-natural-language\x00\x02en",  # naturalLanguage, 27, 2
    b"\x45\x00\x0bprinter-uri\x00\x1fipp://printer.example/ipp/print",  # uri, 11, 31
    b"\x42\x00\x14requesting-user-name\x00\x05alice",  # nameWithoutLanguage, 20, 5
    b"\x42\x00\x08job-name\x00\x06report",  # nameWithoutLanguage, 8, 6
    b"\x49\x00\x0fdocument-format\x00\x0atext/plain",  # mimeMediaType, 15, 10
    b"\x02",  # job-attributes-tag
    b"\x21\x00\x06copies\x00\x04\x00\x00\x00\x02",  # integer, 6-byte name, 4-byte value: 2
    b"\x44\x00\x05sides\x00\x13two-sided-long-edge",  # keyword, 5, 19
    b"\x03",  # end-of-attributes-tag
    b"Hello, printer\x0c",  # document data, up to the end of the body
])  # fmt: skip
PRINT_JOB = Message(
    (1, 1),
    Op.PRINT_JOB,
    2,
    [
        Group(
            Tag.OPERATION,
            [
                CHARSET,
                LANGUAGE,
                uri("printer-uri", "ipp://printer.example/ipp/print"),
                name("requesting-user-name", "alice"),
                name("job-name", "report"),
                mime("document-format", "text/plain"),
            ],
        ),
        Group(Tag.JOB, [integer("copies", 2), keyword("sides", "two-sided-long-edge")]),
    ],
    b"Hello, printer\x0c",
)

RESPONSE_BYTES = b"".join([
    b"\x01\x01",  # version-number 1.1
    b"\x00\x00",  # status-code: successful-ok
    b"\x00\x00\x00\x03",  # request-id 3
    b"\x01",  # operation-attributes-tag
    b"\x47\x00\x12attributes-charset\x00\x05utf-8",  # charset, 18-byte name, 5-byte value
    b"\x48\x00\x1battributes-natural-language\x00\x02en",  # naturalLanguage, 27, 2
    b"\x04",  # printer-attributes-tag
    b"\x36\x00\x0cprinter-name\x00\x0f",  # nameWithLanguage, 12-byte name, 15-byte value:
    b"\x00\x05en-us\x00\x06Lab-01",  # language length 5 and language, name length 6 and name
    b"\x33\x00\x10copies-supported\x00\x08",  # rangeOfInteger, 16-byte name, 8-byte value:
    b"\x00\x00\x00\x01\x00\x00\x00\x63",  # lower 1, upper 99
    b"\x32\x00\x1aprinter-resolution-default\x00\x09",  # resolution, 26, 9:
    b"\x00\x00\x02\x58\x00\x00\x02\x58\x03",  # 600 by 600, units 3 (dots per inch)
    b"\x31\x00\x14printer-current-time\x00\x0b",  # dateTime, 20, 11:
    b"\x07\xe8\x03\x05\x0e\x1e\x0f\x02+\x01\x00",  # 2024-03-05 14:30:15.2 +01:00
    b"\x44\x00\x0fsides-supported\x00\x09one-sided",  # keyword, 15, 9
    b"\x44\x00\x00\x00\x13two-sided-long-edge",  # additional keyword: name-length 0, 19
    b"\x44\x00\x00\x00\x14two-sided-short-edge",  # additional keyword: name-length 0, 20
    b"\x34\x00\x11media-col-default\x00\x00",  # begCollection, 17-byte name, value-length 0
    b"\x4a\x00\x00\x00\x0amedia-size",  # memberAttrName: name-length 0, value the member name
    b"\x34\x00\x00\x00\x00",  # its value: begCollection, name-length 0, value-length 0
    b"\x4a\x00\x00\x00\x0bx-dimension",  # memberAttrName
    b"\x21\x00\x00\x00\x04\x00\x00\x52\x08",  # integer 21000
    b"\x4a\x00\x00\x00\x0by-dimension",  # memberAttrName
    b"\x21\x00\x00\x00\x04\x00\x00\x74\x04",  # integer 29700
    b"\x37\x00\x00\x00\x00",  # endCollection (media-size)
    b"\x4a\x00\x00\x00\x0amedia-type",  # memberAttrName
    b"\x44\x00\x00\x00\x0astationery",  # keyword
    b"\x37\x00\x00\x00\x00",  # endCollection (media-col-default)
    b"\x03",  # end-of-attributes-tag
])  # fmt: skip
PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))
CURRENT_TIME = datetime.datetime(2024, 3, 5, 14, 30, 15, 200_000, tzinfo=PLUS_ONE)
MEDIA_SIZE = collection(
    "media-size", [integer("x-dimension", 21000), integer("y-dimension", 29700)]
)
RESPONSE = Message(
    (1, 1),
    Status.SUCCESSFUL_OK,
    3,
    [
        Group(Tag.OPERATION, [CHARSET, LANGUAGE]),
        Group(
            Tag.PRINTER,
            [
                Attribute(
                    "printer-name", [Value(Tag.NAME_WITH_LANGUAGE, WithLanguage("en-us", "Lab-01"))]
                ),
                range_of("copies-supported", 1, 99),
                resolution("printer-resolution-default", 600, 600),
                datetime_attr("printer-current-time", CURRENT_TIME),
                keyword(
                    "sides-supported", "one-sided", "two-sided-long-edge", "two-sided-short-edge"
                ),
                collection("media-col-default", [MEDIA_SIZE, keyword("media-type", "stationery")]),
            ],
        ),
    ],
)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (GET_PRINTER_ATTRIBUTES_BYTES, GET_PRINTER_ATTRIBUTES),
        (PRINT_JOB_BYTES, PRINT_JOB),
        (RESPONSE_BYTES, RESPONSE),
    ],
    ids=["get-printer-attributes", "print-job", "response"],
)
def test_golden_bytes_decode_and_encode(raw: bytes, message: Message) -> None:
    assert decode(raw) == message
    assert encode(message) == raw


def test_decoded_values_have_their_python_types() -> None:
    printer = decode(RESPONSE_BYTES).group(Tag.PRINTER)
    assert printer is not None
    assert printer.get("printer-name").value == WithLanguage("en-us", "Lab-01")
    assert printer.get("copies-supported").value == Range(1, 99)
    assert printer.get("printer-resolution-default").value == Resolution(600, 600, 3)
    assert datetime_from_value(printer.get("printer-current-time").value) == CURRENT_TIME
    sides = printer.get("sides-supported")
    assert sides.tag == Tag.KEYWORD
    assert sides.py == ("one-sided", "two-sided-long-edge", "two-sided-short-edge")
    media = printer.get("media-col-default").value
    assert isinstance(media, Collection)
    assert media.get("media-size").value.get("y-dimension").value == 29700
    assert media.get("absent") is None


def test_message_helpers() -> None:
    job = Group(Tag.JOB, [integer("job-id", 7)])
    message = attrs.evolve(PRINT_JOB, groups=(*PRINT_JOB.groups, job))
    assert message.group(Tag.JOB) == PRINT_JOB.groups[1]
    assert message.groups_of(Tag.JOB) == (PRINT_JOB.groups[1], job)
    assert message.group(Tag.PRINTER) is None
    assert message.operation_attribute("job-name") == name("job-name", "report")
    assert message.operation_attribute("copies") is None
    assert message.attribute(Tag.JOB, "job-id") == integer("job-id", 7)
    assert message.attribute(Tag.JOB, "sides").value == "two-sided-long-edge"
    assert message.attribute(Tag.PRINTER, "sides") is None
    assert Message((1, 1), 0, 1).operation_attribute("x") is None


def test_builders() -> None:
    moment = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    built = [
        (integer("a", 1, -2), Tag.INTEGER, (1, -2)),
        (enum("a", Status.SERVER_ERROR_BUSY), Tag.ENUM, (0x0507,)),
        (boolean("a", True, False), Tag.BOOLEAN, (True, False)),
        (keyword("a", "k"), Tag.KEYWORD, ("k",)),
        (name("a", "n"), Tag.NAME, ("n",)),
        (text("a", "t"), Tag.TEXT, ("t",)),
        (uri("a", "ipp://h/"), Tag.URI, ("ipp://h/",)),
        (uri_scheme("a", "ipp"), Tag.URI_SCHEME, ("ipp",)),
        (charset("a", "utf-8"), Tag.CHARSET, ("utf-8",)),
        (language("a", "en"), Tag.NATURAL_LANGUAGE, ("en",)),
        (mime("a", "text/plain"), Tag.MIME_TYPE, ("text/plain",)),
        (octet_string("a", b"\x00"), Tag.OCTET_STRING, (b"\x00",)),
        (
            collection("a", [integer("b", 1)]),
            Tag.BEGIN_COLLECTION,
            (Collection([integer("b", 1)]),),
        ),
        (range_of("a", 1, 9), Tag.RANGE, (Range(1, 9),)),
        (resolution("a", 300, 200, 4), Tag.RESOLUTION, (Resolution(300, 200, 4),)),
        (no_value("a"), Tag.NO_VALUE, (None,)),
        (unknown("a"), Tag.UNKNOWN, (None,)),
        (datetime_attr("a", moment), Tag.DATETIME, (datetime_value(moment),)),
    ]
    for attribute, tag, values in built:
        assert (attribute.name, attribute.tag, attribute.py) == ("a", tag, values)
        assert type(attribute.value) is type(values[0])
    with pytest.raises(ValueError, match="at least one value"):
        integer("copies")


def test_status_keywords_and_codes() -> None:
    assert Status.CLIENT_ERROR_BAD_REQUEST.keyword == "client-error-bad-request"
    assert Status.SUCCESSFUL_OK.keyword == "successful-ok"
    assert Status.SERVER_ERROR_MULTIPLE_DOCUMENT_JOBS_NOT_SUPPORTED == 0x0509
    codes = {int(s) for s in Status}
    assert codes == {0, 1, 2} | set(range(0x0400, 0x0413)) | set(range(0x0500, 0x050A))
    assert Op.PURGE_JOBS == 0x12 and Op.GET_PRINTER_ATTRIBUTES == 0x0B


# -- dateTime -----------------------------------------------------------------------------------


def test_datetime_value_fields() -> None:
    west = datetime.timezone(-datetime.timedelta(hours=5, minutes=30))
    moment = datetime.datetime(1992, 5, 26, 13, 30, 15, 950_000, tzinfo=west)
    assert datetime_value(moment) == b"\x07\xc8\x05\x1a\x0d\x1e\x0f\x09-\x05\x1e"
    assert datetime_from_value(datetime_value(moment)) == moment.replace(microsecond=900_000)
    with pytest.raises(ValueError, match="time zone"):
        datetime_value(datetime.datetime(2024, 1, 1))
    odd = datetime.timezone(datetime.timedelta(seconds=30))
    with pytest.raises(ValueError, match="whole minutes"):
        datetime_value(datetime.datetime(2024, 1, 1, tzinfo=odd))
    for raw in [b"\x07\xe8", b"\x07\xe8\x0d\x01\x00\x00\x00\x00+\x00\x00", bytes(8) + b"?\x00\x00"]:
        with pytest.raises(ValueError):
            datetime_from_value(raw)


@given(
    st.datetimes(timezones=st.integers(-23 * 60 + 1, 23 * 60 - 1).map(
        lambda m: datetime.timezone(datetime.timedelta(minutes=m))
    ))
)  # fmt: skip
def test_datetime_round_trip(moment: datetime.datetime) -> None:
    back = datetime_from_value(datetime_value(moment))
    assert back == moment.replace(microsecond=moment.microsecond // 100_000 * 100_000)
    assert back.utcoffset() == moment.utcoffset()


# -- strategies ---------------------------------------------------------------------------------

TEXTS = st.text(st.characters(codec="utf-8"), max_size=12)
NAMES = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)
INT32 = st.integers(-(2**31), 2**31 - 1)
STRING_TAGS = [Tag.TEXT, Tag.NAME, Tag.KEYWORD, Tag.URI, Tag.URI_SCHEME, Tag.CHARSET]
STRING_TAGS += [Tag.NATURAL_LANGUAGE, Tag.MIME_TYPE]
OUT_OF_BAND = [Tag.UNSUPPORTED, Tag.UNKNOWN, Tag.NO_VALUE]
UNASSIGNED = [t for t in range(0x10, 0x100) if t not in set(Tag)]
GROUP_TAGS = [t for t in range(0x01, 0x10) if t != Tag.END]


def _values(tags: list[int] | int, python: st.SearchStrategy) -> st.SearchStrategy[Value]:
    tags = tags if isinstance(tags, list) else [tags]
    return st.builds(Value, st.sampled_from(tags), python)


SCALARS = st.one_of(
    _values([Tag.INTEGER, Tag.ENUM], INT32),
    _values(Tag.BOOLEAN, st.booleans()),
    _values(STRING_TAGS, TEXTS),
    _values(Tag.OCTET_STRING, st.binary(max_size=12)),
    _values(Tag.DATETIME, st.binary(min_size=11, max_size=11)),
    _values(Tag.RESOLUTION, st.builds(Resolution, INT32, INT32, st.integers(-128, 127))),
    _values(Tag.RANGE, st.builds(Range, INT32, INT32)),
    _values(
        [Tag.TEXT_WITH_LANGUAGE, Tag.NAME_WITH_LANGUAGE], st.builds(WithLanguage, TEXTS, TEXTS)
    ),
    _values(OUT_OF_BAND, st.none() | st.binary(min_size=1, max_size=3)),
    _values(UNASSIGNED, st.binary(max_size=6)),
)


def _attributes(values: st.SearchStrategy[Value]) -> st.SearchStrategy[Attribute]:
    return st.builds(Attribute, NAMES, st.lists(values, min_size=1, max_size=3))


VALUES = st.recursive(
    SCALARS,
    lambda inner: _values(
        Tag.BEGIN_COLLECTION, st.builds(Collection, st.lists(_attributes(inner), max_size=3))
    ),
    max_leaves=10,
)
GROUPS = st.builds(Group, st.sampled_from(GROUP_TAGS), st.lists(_attributes(VALUES), max_size=4))
MESSAGES = st.builds(
    Message,
    st.tuples(st.integers(0, 255), st.integers(0, 255)),
    st.integers(0, 0xFFFF),
    st.integers(0, 0xFFFF_FFFF),
    st.lists(GROUPS, max_size=3),
    st.binary(max_size=40),
)


@given(MESSAGES)
def test_round_trip(message: Message) -> None:
    raw = encode(message)
    assert decode(raw) == message
    assert encode(decode(raw)) == raw


# -- the incremental parser ---------------------------------------------------------------------


def _feed(pieces: list[bytes], parser: IPPParser | None = None) -> list[tuple[int, object]]:
    """Feed ``pieces`` then the end of input; every event with the byte count fed before it."""
    parser = parser or IPPParser()
    events: list[tuple[int, object]] = []
    fed = 0
    for piece in [*pieces, b""]:
        parser.receive_data(piece)
        fed += len(piece)
        while (event := parser.next_event()) is not NEED_DATA:
            events.append((fed, event))
            if isinstance(event, EndOfMessage):
                return events
    raise AssertionError("no EndOfMessage after the end of input")


def _split(raw: bytes, data: st.DataObject) -> list[bytes]:
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=8), label="cuts"))
    return [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True) if b > a]


@given(MESSAGES, st.data())
def test_any_chunking_gives_the_same_events(message: Message, data: st.DataObject) -> None:
    raw = encode(message)
    pieces = _split(raw, data)
    ends = itertools.accumulate(len(p) for p in pieces)
    head_arrived = next((n for n in ends if n >= len(raw) - len(message.data)), 0)
    (fed, head), *body, (_, end) = _feed(pieces)
    assert head == MessageHead(attrs.evolve(message, data=b""))
    assert fed == head_arrived  # the head comes with the piece that completes it
    assert all(isinstance(e, Data) and e.data for _, e in body)
    assert b"".join(e.data for _, e in body) == message.data
    assert end == EndOfMessage()


def test_head_comes_as_soon_as_the_end_tag_arrives() -> None:
    head_size = len(PRINT_JOB_BYTES) - len(PRINT_JOB.data)
    parser = IPPParser()
    parser.receive_data(PRINT_JOB_BYTES[: head_size - 1])
    assert parser.next_event() is NEED_DATA
    assert repr(NEED_DATA) == "NEED_DATA"
    parser.receive_data(PRINT_JOB_BYTES[head_size - 1 : head_size + 3])
    assert parser.next_event() == MessageHead(attrs.evolve(PRINT_JOB, data=b""))
    assert parser.next_event() == Data(b"Hel")
    assert parser.next_event() is NEED_DATA
    parser.receive_data(PRINT_JOB_BYTES[head_size + 3 :])
    assert parser.next_event() == Data(PRINT_JOB.data[3:])
    parser.receive_data(b"")
    assert parser.next_event() == EndOfMessage()
    assert parser.next_event() == EndOfMessage()
    with pytest.raises(RuntimeError):
        parser.receive_data(b"more")


def test_byte_by_byte() -> None:
    events = _feed([RESPONSE_BYTES[i : i + 1] for i in range(len(RESPONSE_BYTES))])
    assert [e for _, e in events] == [MessageHead(RESPONSE), EndOfMessage()]
    assert events[0][0] == len(RESPONSE_BYTES)


def test_head_size_limit() -> None:
    big = Message(
        (1, 1), Op.PRINT_JOB, 9, [Group(Tag.OPERATION, [text("t", "x" * 500)])], b"x" * 900
    )
    raw = encode(big)
    head_size = len(raw) - 900
    (_, head), *_ = _feed([raw], IPPParser(max_head=head_size))
    assert head == MessageHead(attrs.evolve(big, data=b""))
    for pieces in ([raw], [raw[:head_size]], [raw[:300], raw[300:]]):
        parser = IPPParser(max_head=head_size - 1)
        with pytest.raises(IPPError) as caught:
            _feed(pieces, parser)
        assert caught.value.status == Status.CLIENT_ERROR_REQUEST_ENTITY_TOO_LARGE
        assert caught.value.request_id == 9
        with pytest.raises(IPPError) as again:  # a dead parser keeps saying so
            parser.next_event()
        assert again.value is caught.value
    parser = IPPParser(max_head=100)  # a head that grows too long fails before the input ends
    parser.receive_data(raw[:100])
    assert parser.next_event() is NEED_DATA
    parser.receive_data(raw[100:101])
    with pytest.raises(IPPError, match="longer than 100 bytes"):
        parser.next_event()


def _outcome(call: object) -> tuple:
    try:
        result = call()  # type: ignore[operator]
    except IPPError as exc:
        return ("error", exc.status, exc.message, exc.offset, exc.request_id)
    return ("ok", result)


def _parse_all(pieces: list[bytes]) -> Message:
    events = [e for _, e in _feed(pieces)]
    head, body = events[0], events[1:-1]
    assert isinstance(head, MessageHead)
    return attrs.evolve(head.message, data=b"".join(e.data for e in body))


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["flip", "cut", "insert", "delete"]),
        st.integers(0),
        st.binary(min_size=1, max_size=3),
    ),
    min_size=1,
    max_size=4,
)


def _mutate(raw: bytes, mutations: list[tuple[str, int, bytes]]) -> bytes:
    buf = bytearray(raw)
    for kind, where, junk in mutations:
        at = where % (len(buf) + 1)
        if kind == "flip" and at < len(buf):
            buf[at] ^= junk[0] or 0x80
        elif kind == "cut":
            del buf[at:]
        elif kind == "insert":
            buf[at:at] = junk
        else:
            del buf[at : at + len(junk)]
    return bytes(buf)


@given(MESSAGES, MUTATIONS, st.data())
def test_mutated_input_gives_a_message_or_an_ipp_error(
    message: Message, mutations: list[tuple[str, int, bytes]], data: st.DataObject
) -> None:
    raw = _mutate(encode(message), mutations)
    whole = _outcome(lambda: decode(raw))
    if whole[0] == "error":
        assert whole[1] == BAD_REQUEST and whole[2]
    assert _outcome(lambda: _parse_all(_split(raw, data))) == whole


@given(st.binary(max_size=60), st.data())
def test_random_input_gives_a_message_or_an_ipp_error(raw: bytes, data: st.DataObject) -> None:
    raw = b"\x01\x01\x00\x02\x00\x00\x00\x05" + raw
    assert _outcome(lambda: _parse_all(_split(raw, data))) == _outcome(lambda: decode(raw))


# -- malformed input ----------------------------------------------------------------------------

HEADER = b"\x01\x01\x00\x02\x00\x00\x00\x2a"  # 1.1 Print-Job, request-id 42
OPERATION = b"\x01"


def _attr(tag: int, label: bytes, raw: bytes) -> bytes:
    return bytes([tag]) + len(label).to_bytes(2, "big") + label + len(raw).to_bytes(2, "big") + raw


def _nest(depth: int) -> bytes:
    member = _attr(0x4A, b"", b"m")
    return (
        _attr(0x34, b"c", b"")
        + (member + _attr(0x34, b"", b"")) * (depth - 1)
        + member
        + (_attr(0x21, b"", bytes(4)) + _attr(0x37, b"", b"") * depth)
    )


def _op(*items: bytes, end: bytes = b"\x03") -> bytes:
    """A request whose operation group holds ``items``, then ``end``."""
    return HEADER + OPERATION + b"".join(items) + end


BEGIN, MEMBER_M, END_COLLECTION = _attr(0x34, b"c", b""), _attr(0x4A, b"", b"m"), b"\x37" + bytes(4)
# id: (input, what the message must contain, offset); items start at byte 9 after _op's header.
MALFORMED = {
    "truncated header": (HEADER[:5], "truncated header (5 of 8 bytes)", 5),
    "truncated name": (_op(b"\x44\x00\x05sid", end=b""), "at byte 9: truncated attribute name", 9),
    "truncated attribute": (
        GET_PRINTER_ATTRIBUTES_BYTES[:100],
        "attribute 'printer-uri' at byte 74: truncated value (10 of 31 bytes)",
        74,
    ),
    "integer length": (
        _op(_attr(0x21, b"copies", b"\x00\x00\x01")),
        "attribute 'copies' at byte 9: integer value length 3, expected 4",
        9,
    ),
    "enum length": (_op(_attr(0x23, b"e", bytes(5))), "enum value length 5, expected 4", 9),
    "boolean length": (_op(_attr(0x22, b"b", bytes(2))), "boolean value length 2, expected 1", 9),
    "boolean value": (_op(_attr(0x22, b"b", b"\x02")), "boolean value 2, expected 0 or 1", 9),
    "dateTime length": (_op(_attr(0x31, b"t", bytes(10))), "dateTime value length 10", 9),
    "resolution length": (_op(_attr(0x32, b"r", bytes(8))), "resolution value length 8", 9),
    "range length": (_op(_attr(0x33, b"r", bytes(7))), "rangeOfInteger value length 7", 9),
    "with-language parts": (
        _op(_attr(0x35, b"t", b"\x00\x02en\x00\x05abc")),
        "attribute 't' at byte 9: textWithLanguage value length 9 is too short for its text",
        9,
    ),
    "with-language extra": (
        _op(_attr(0x36, b"n", b"\x00\x02en\x00\x01ab")),
        "nameWithLanguage value length 8, its parts take 7",
        9,
    ),
    "additional value first": (
        _op(_attr(0x44, b"", b"x")),
        "value at byte 9: additional value (name-length 0) with no attribute before it",
        9,
    ),
    "additional value after a group": (
        _op(_attr(0x44, b"k", b"x"), b"\x02", _attr(0x44, b"", b"y")),
        "value at byte 17: additional value",
        17,
    ),
    "delimiter 0x00": (_op(b"\x00"), "at byte 9: group delimiter tag 0x00 is reserved", 9),
    "attribute before any group": (
        HEADER + _attr(0x44, b"sides", b"one-sided") + b"\x03",
        "attribute 'sides' at byte 8: attribute before any group delimiter",
        8,
    ),
    "invalid UTF-8 value": (
        _op(_attr(0x44, b"sides", b"\xff")),
        "attribute 'sides' at byte 9: invalid UTF-8 in keyword value",
        9,
    ),
    "invalid UTF-8 name": (
        _op(_attr(0x44, b"\xc3", b"x")),
        "invalid UTF-8 in the attribute name",
        9,
    ),
    "no end tag": (
        _op(_attr(0x44, b"k", b"x"), end=b""),
        "at byte 16: end of input before the end-of-attributes tag",
        16,
    ),
    "no end tag, no groups": (HEADER, "at byte 8: end of input before", 8),
    "name-length too big": (_op(b"\x44\x80\x00", end=b""), "name-length 32768 exceeds 32767", 9),
    "value-length too big": (_op(b"\x44\x00\x01k\xff\xff"), "value-length 65535 exceeds 32767", 9),
    "collection not closed": (
        _op(BEGIN, MEMBER_M, _attr(0x21, b"", bytes(4))),
        "attribute 'c' at byte 30: collection not closed before delimiter 0x03",
        30,
    ),
    "collection closed by a new attribute": (
        _op(BEGIN, _attr(0x44, b"k", b"x")),
        "attribute 'c' at byte 15: collection not closed before attribute 'k'",
        15,
    ),
    "endCollection alone": (_op(_attr(0x37, b"c", b"")), "endCollection outside a collection", 9),
    "endCollection as an additional value": (
        _op(_attr(0x44, b"k", b"x"), END_COLLECTION),
        "attribute 'k' at byte 16: endCollection outside a collection",
        16,
    ),
    "memberAttrName alone": (
        _op(_attr(0x4A, b"m", b"x")),
        "memberAttrName outside a collection",
        9,
    ),
    "member without a value": (
        _op(BEGIN, MEMBER_M, END_COLLECTION),
        "attribute 'c.m' at byte 21: member without a value",
        21,
    ),
    "value before any member": (
        _op(BEGIN, _attr(0x44, b"", b"x"), END_COLLECTION),
        "attribute 'c' at byte 15: value before the first memberAttrName",
        15,
    ),
    "empty member name": (_op(BEGIN, _attr(0x4A, b"", b"")), "empty memberAttrName", 15),
    "begCollection with a value": (_op(_attr(0x34, b"c", b"x")), "begCollection value length 1", 9),
    "endCollection with a value": (
        _op(BEGIN, _attr(0x37, b"", b"x")),
        "attribute 'c' at byte 15: endCollection with a value",
        15,
    ),
    "collections too deep": (_op(_nest(33)), "collections nest deeper than 32", None),
}


@pytest.mark.parametrize(("raw", "expected", "offset"), MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_input(raw: bytes, expected: str, offset: int | None) -> None:
    with pytest.raises(IPPError) as caught:
        decode(raw)
    assert caught.value.status == BAD_REQUEST
    assert expected in caught.value.message
    assert expected in str(caught.value)
    if offset is not None:
        assert caught.value.offset == offset
    assert caught.value.request_id == (0 if len(raw) < 8 else int.from_bytes(raw[4:8], "big"))
    with pytest.raises(IPPError) as again:  # the parser agrees, however the bytes arrive
        _feed([raw[i : i + 3] for i in range(0, len(raw), 3)])
    assert again.value.message == caught.value.message


def test_nesting_to_the_limit_is_accepted() -> None:
    message = decode(HEADER + OPERATION + _nest(32) + b"\x03")
    value = message.operation_attribute("c").value
    for _ in range(31):
        value = value.get("m").value
    assert value.get("m").value == 0
    assert encode(message) == HEADER + OPERATION + _nest(32) + b"\x03"


def test_hostile_nesting_is_an_ipp_error() -> None:
    raw = (
        HEADER
        + OPERATION
        + _attr(0x34, b"c", b"")
        + (_attr(0x4A, b"", b"m") + _attr(0x34, b"", b"")) * 50_000
    )
    with pytest.raises(IPPError, match="nest deeper"):
        decode(raw + b"\x03")


def test_unknown_tags_and_out_of_band_values_keep_their_bytes() -> None:
    raw = (
        HEADER
        + b"\x0b"
        + _attr(0x13, b"a", b"")
        + _attr(0x13, b"b", b"\x01")
        + _attr(0x15, b"c", b"")
    )
    raw += _attr(0x7F, b"d", b"\x00\x00\x40\x00zz") + _attr(0x4B, b"e", b"\xff") + b"\x03"
    message = decode(raw)
    assert message.groups[0].tag == 0x0B
    assert [a.py for a in message.groups[0].attributes] == [
        (None,),
        (b"\x01",),
        (b"",),
        (b"\x00\x00\x40\x00zz",),
        (b"\xff",),
    ]
    assert encode(message) == raw


# -- encoding refusals --------------------------------------------------------------------------


def _one(tag: int, value: object, label: str = "a") -> Attribute:
    return Attribute(label, [Value(tag, value)])


@pytest.mark.parametrize(
    ("attribute", "expected"),
    [
        (
            integer("copies", 2**31),
            "attribute 'copies': integer value 2147483648 is not an integer",
        ),
        (enum("state", -(2**31) - 1), "attribute 'state': enum value"),
        (_one(Tag.INTEGER, True, "copies"), "attribute 'copies': integer value True"),
        (_one(Tag.INTEGER, "2", "copies"), "attribute 'copies': integer value '2'"),
        (_one(Tag.BOOLEAN, 1), "attribute 'a': boolean value cannot be int"),
        (
            text("job-name", "x" * 32768),
            "attribute 'job-name': value of 32768 bytes (at most 32767)",
        ),
        (text("x" * 32768, "x"), "name of 32768 bytes"),
        (
            keyword("k", "\udc80"),
            "attribute 'k': keyword value '\\udc80' is not encodable as UTF-8",
        ),
        (keyword("k", b"x"), "attribute 'k': keyword value must be str, not bytes"),
        (_one(Tag.DATETIME, bytes(10)), "attribute 'a': dateTime value must be 11 bytes"),
        (_one(Tag.OCTET_STRING, "x"), "attribute 'a': octetString value cannot be str"),
        (_one(Tag.RESOLUTION, Resolution(1, 1, 200)), "attribute 'a': resolution units 200"),
        (_one(Tag.RANGE, Range(0, 2**32)), "attribute 'a': range bound 4294967296"),
        (_one(Tag.RANGE, (1, 2)), "attribute 'a': rangeOfInteger value cannot be tuple"),
        (_one(Tag.TEXT_WITH_LANGUAGE, WithLanguage("en", "x" * 32764)), "longer than 32767"),
        (_one(Tag.MEMBER_NAME, "x"), "memberAttrName is not an attribute value tag"),
        (_one(Tag.END_COLLECTION, None), "endCollection is not an attribute value tag"),
        (_one(Tag.JOB, None), "attribute 'a': tag 0x02 is not an attribute value tag"),
        (_one(Tag.BEGIN_COLLECTION, [integer("b", 1)]), "value must be a Collection"),
        (_one(Tag.INTEGER, 1, ""), "an attribute name cannot be empty"),
        (collection("c", [integer("", 1)]), "attribute 'c.': an attribute name cannot be empty"),
        (collection("c", [collection("d", [integer("x", 2**40)])]), "attribute 'c.d.x': integer"),
    ],
)
def test_encode_refuses_what_would_not_decode_back(attribute: Attribute, expected: str) -> None:
    message = Message((1, 1), Op.PRINT_JOB, 1, [Group(Tag.OPERATION, [attribute])])
    with pytest.raises(ValueError) as caught:
        encode(message)
    assert expected in str(caught.value)


def test_encode_refuses_bad_headers_and_groups() -> None:
    for bad in [
        Message((256, 0), 2, 1),
        Message((1, 1), 0x10000, 1),
        Message((1, 1), 2, -1),
        Message((1, 1), 2, 1, [Group(Tag.END)]),
        Message((1, 1), 2, 1, [Group(0x10)]),
    ]:
        with pytest.raises(ValueError):
            encode(bad)
    deep = integer("x", 1)
    for _ in range(33):
        deep = collection("c", [deep])
    with pytest.raises(ValueError, match="nest deeper than 32"):
        encode(Message((1, 1), 2, 1, [Group(Tag.OPERATION, [deep])]))


# -- check_request ------------------------------------------------------------------------------


def _request(
    *attributes: Attribute, version: tuple[int, int] = (1, 1), request_id: int = 1
) -> Message:
    groups = [Group(Tag.OPERATION, attributes)] if attributes else []
    printer_uri = uri("printer-uri", "ipp://printer.example/ipp/print")
    return Message(
        version, Op.GET_PRINTER_ATTRIBUTES, request_id, [*groups, Group(Tag.JOB, [printer_uri])]
    )


VERSION = Status.SERVER_ERROR_VERSION_NOT_SUPPORTED
CHECKS = {
    # The cases of CUPS ipptool's ipp-1.1.test first, each sent through the codec as bytes.
    "ipptool: request-id 0": (_request(CHARSET, LANGUAGE, request_id=0), BAD_REQUEST, "id 0"),
    "ipptool: no operation attributes": (
        Message((1, 1), Op.GET_PRINTER_ATTRIBUTES, 1),
        BAD_REQUEST,
        "the first group is not operation-attributes",
    ),
    "ipptool: only charset": (
        _request(CHARSET),
        BAD_REQUEST,
        "attribute 2 must be 'attributes-natural-language' (naturalLanguage), found nothing",
    ),
    "ipptool: only natural-language": (
        _request(LANGUAGE),
        BAD_REQUEST,
        "attribute 1 must be 'attributes-charset' (charset), found 'attributes-natural-language'",
    ),
    "ipptool: natural-language before charset": (
        _request(LANGUAGE, CHARSET),
        BAD_REQUEST,
        "attribute 1 must be 'attributes-charset' (charset), found 'attributes-natural-language'",
    ),
    "ipptool: version 0.0": (_request(CHARSET, LANGUAGE, version=(0, 0)), VERSION, "version 0.0"),
    "version 3.0": (_request(CHARSET, LANGUAGE, version=(3, 0)), VERSION, "version 3.0"),
    "version before request-id": (_request(version=(0, 0), request_id=0), VERSION, "0.0"),
    "request-id 2**31": (_request(CHARSET, LANGUAGE, request_id=2**31), BAD_REQUEST, "2147483648"),
    "job group first": (
        Message((1, 1), 2, 1, [Group(Tag.JOB), Group(Tag.OPERATION, [CHARSET, LANGUAGE])]),
        BAD_REQUEST,
        "first group",
    ),
    "charset as keyword": (
        _request(keyword("attributes-charset", "utf-8"), LANGUAGE),
        BAD_REQUEST,
        "found 'attributes-charset' (keyword)",
    ),
    "two charsets": (
        _request(charset("attributes-charset", "utf-8", "utf-8"), LANGUAGE),
        BAD_REQUEST,
        "attribute 1",
    ),
    "language as keyword": (
        _request(CHARSET, keyword("attributes-natural-language", "en")),
        BAD_REQUEST,
        "attribute 2",
    ),
    "something else second": (
        _request(CHARSET, uri("printer-uri", "ipp://h/")),
        BAD_REQUEST,
        "found 'printer-uri' (uri)",
    ),
    "latin-1": (
        _request(charset("attributes-charset", "iso-8859-1"), LANGUAGE),
        Status.CLIENT_ERROR_CHARSET_NOT_SUPPORTED,
        "attributes-charset 'iso-8859-1' is not supported",
    ),
    "structure before the charset's value": (
        _request(charset("attributes-charset", "iso-8859-1")),
        BAD_REQUEST,
        "attribute 2",
    ),
}


@pytest.mark.parametrize(("request_", "status", "expected"), CHECKS.values(), ids=CHECKS.keys())
def test_check_request_refuses(request_: Message, status: Status, expected: str) -> None:
    with pytest.raises(IPPError) as caught:
        check_request(decode(encode(request_)))
    assert caught.value.status == status
    assert expected in caught.value.message
    assert caught.value.request_id == request_.request_id
    assert caught.value.offset is None


@pytest.mark.parametrize("version", [(1, 0), (1, 1), (2, 0), (2, 2)])
@pytest.mark.parametrize("name_", ["utf-8", "UTF-8", "us-ascii", "US-ASCII"])
def test_check_request_accepts(version: tuple[int, int], name_: str) -> None:
    check_request(_request(charset("attributes-charset", name_), LANGUAGE, version=version))


def test_check_request_accepts_the_golden_requests() -> None:
    check_request(decode(GET_PRINTER_ATTRIBUTES_BYTES))
    check_request(decode(PRINT_JOB_BYTES))


# -- responses ----------------------------------------------------------------------------------


def test_response_to_a_request() -> None:
    job = Group(Tag.JOB, [integer("job-id", 5)])
    extra = Group(Tag.OPERATION, [text("detailed-status-message", "queued")])
    response = response_to(PRINT_JOB, Status.SUCCESSFUL_OK, job, extra, message="ok")
    assert response == Message(
        (1, 1),
        Status.SUCCESSFUL_OK,
        2,
        [
            Group(
                Tag.OPERATION, [CHARSET, LANGUAGE, text("status-message", "ok"), *extra.attributes]
            ),
            job,
        ],
    )
    assert decode(encode(response)) == response
    assert response_to(attrs.evolve(PRINT_JOB, version=(2, 0)), Status.SUCCESSFUL_OK).version == (
        2,
        0,
    )


def test_response_to_an_unreadable_or_unsupported_request() -> None:
    response = response_to(0, BAD_REQUEST, message="truncated header (5 of 8 bytes)")
    assert (response.version, response.code, response.request_id) == ((1, 1), BAD_REQUEST, 0)
    assert response.operation_attribute("status-message").value == "truncated header (5 of 8 bytes)"
    old = attrs.evolve(PRINT_JOB, version=(0, 0))
    assert response_to(old, Status.SERVER_ERROR_VERSION_NOT_SUPPORTED).version == (1, 1)
    assert response_to(old, Status.SERVER_ERROR_VERSION_NOT_SUPPORTED).groups == (
        Group(Tag.OPERATION, [CHARSET, LANGUAGE]),
    )


def test_response_status_message_is_cut_to_255_octets() -> None:
    response = response_to(7, BAD_REQUEST, message="é" * 200)
    assert response.operation_attribute("status-message").value == "é" * 127


def test_error_reply_round_trip() -> None:
    """What the service does with a bad request: decode fails, reply with the error's status."""
    raw = HEADER + OPERATION + _attr(0x21, b"copies", b"\x00\x00\x01") + b"\x03"
    with pytest.raises(IPPError) as caught:
        decode(raw)
    error = caught.value
    reply = decode(encode(response_to(error.request_id, error.status, message=error.message)))
    assert (reply.code, reply.request_id) == (BAD_REQUEST, 42)
    assert "copies" in reply.operation_attribute("status-message").value
