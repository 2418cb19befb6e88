"""Tests for the TCPMON Xcv structures (spoolsim.wire.portdata): golden bytes laid out by hand from
tcpxcv.h / MS-RPRN 2.2.2.14, round trips, and refusals that name the field and its offset."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire import portdata as pd


def wchars(text: str, n: int) -> bytes:
    """A WCHAR[n] array holding ``text`` and NUL padding."""
    raw = text.encode("utf-16-le")
    assert len(raw) < 2 * n
    return raw + bytes(2 * n - len(raw))


def dwords(*values: int) -> bytes:
    return struct.pack(f"<{len(values)}I", *values)


# A RAW port as the Add Printer wizard creates it for 10.0.0.5, SNMP on, device index 1.
RAW_1 = pd.PortData1(
    "IP_10.0.0.5",
    pd.PROTOCOL_RAWTCP_TYPE,
    "10.0.0.5",
    snmp_community="public",
    ip_address="10.0.0.5",
    port_number=9100,
    snmp_enabled=True,
    snmp_dev_index=1,
)
RAW_1_BYTES = (
    wchars("IP_10.0.0.5", 64)  # sztPortName, offset 0
    + dwords(1, 1, 964, 0)  # dwVersion, dwProtocol (RAW), cbSize, dwReserved; offset 128
    + wchars("10.0.0.5", 49)  # sztHostAddress, offset 144
    + wchars("public", 33)  # sztSNMPCommunity, offset 242
    + dwords(0)  # dwDoubleSpool, offset 308
    + wchars("", 33)  # sztQueue, offset 312
    + wchars("10.0.0.5", 16)  # sztIPAddress, offset 378
    + bytes(540)  # Reserved, offset 410
    + bytes(2)  # alignment, offset 950
    + dwords(9100, 1, 1)  # dwPortNumber, dwSNMPEnabled, dwSNMPDevIndex; offset 952
)

# An LPR port with a long host name (PORT_DATA_2), byte counting (double spool) on, SNMP off.
LPR_2 = pd.PortData2(
    "LPR_queue",
    pd.PROTOCOL_LPR_TYPE,
    "printer-" + "x" * 100 + ".example.test",
    snmp_community="private",
    double_spool=True,
    queue="PASSTHRU",
    port_number=515,
    snmp_enabled=False,
    snmp_dev_index=2,
    port_monitor_mib_index=7,
)
LPR_2_BYTES = (
    wchars("LPR_queue", 64)
    + dwords(2, 2, 1068, 0)
    + wchars("printer-" + "x" * 100 + ".example.test", 128)  # offset 144
    + wchars("private", 33)  # offset 400
    + bytes(2)  # PaddingForAlignment, offset 466
    + dwords(1)  # dwDoubleSpool, offset 468
    + wchars("PASSTHRU", 33)  # offset 472
    + bytes(514)  # Reserved, offset 538
    + dwords(515, 0, 2, 7)  # offset 1052
)

DELETE_BYTES = wchars("IP_10.0.0.5", 64) + bytes(98) + bytes(2) + dwords(1, 0)
CONFIG_INFO_BYTES = bytes(128) + dwords(1)


def test_sizes_are_the_c_structure_sizes():
    assert len(RAW_1_BYTES) == pd.PORT_DATA_1.size == 964
    assert len(LPR_2_BYTES) == pd.PORT_DATA_2.size == 1068
    assert len(DELETE_BYTES) == pd.DELETE_PORT_DATA_1.size == 236
    assert len(CONFIG_INFO_BYTES) == pd.CONFIG_INFO_DATA_1.size == 132


def test_port_data_1_golden():
    assert pd.encode(RAW_1) == RAW_1_BYTES
    assert pd.decode_port_data(RAW_1_BYTES) == RAW_1
    assert struct.unpack_from("<I", RAW_1_BYTES, 952) == (9100,)


def test_port_data_2_golden():
    assert pd.encode(LPR_2) == LPR_2_BYTES
    assert pd.decode_port_data(LPR_2_BYTES) == LPR_2
    assert struct.unpack_from("<I", LPR_2_BYTES, 468) == (1,)  # dwDoubleSpool after the padding


def test_delete_and_config_info_golden():
    assert pd.encode(pd.DeletePortData1("IP_10.0.0.5")) == DELETE_BYTES
    assert pd.decode_delete_port_data(DELETE_BYTES) == pd.DeletePortData1("IP_10.0.0.5")
    assert pd.encode(pd.ConfigInfoData1()) == CONFIG_INFO_BYTES
    assert pd.decode_config_info_data(CONFIG_INFO_BYTES) == pd.ConfigInfoData1()


def test_reserved_bytes_and_cbsize_are_ignored_when_read():
    noisy = bytearray(RAW_1_BYTES)
    noisy[410:950] = b"\xcc" * 540  # uninitialised Reserved
    noisy[136:140] = dwords(12345)  # a wrong cbSize
    noisy[140:144] = dwords(99)  # dwReserved
    assert pd.decode_port_data(bytes(noisy)) == RAW_1


def test_booleans_read_any_nonzero_value_as_true():
    data = bytearray(RAW_1_BYTES)
    data[956:960] = dwords(0xFFFFFFFF)
    assert pd.decode_port_data(bytes(data)).snmp_enabled is True


@pytest.mark.parametrize(
    ("cut", "field", "offset"),
    [
        (0, "dwVersion", 128),
        (100, "dwVersion", 128),
        (200, "sztHostAddress", 144),
        (310, "dwDoubleSpool", 308),
        (960, "dwSNMPDevIndex", 960),
    ],
)
def test_truncated_port_data_names_the_field(cut, field, offset):
    with pytest.raises(pd.PortDataError) as err:
        pd.decode_port_data(RAW_1_BYTES[:cut])
    assert field in str(err.value) and f"offset {offset}" in str(err.value)
    assert (err.value.field, err.value.offset) == (field, offset)
    assert not isinstance(err.value, pd.PortDataVersionError)


def test_trailing_bytes_are_refused_unless_allowed():
    with pytest.raises(ValueError, match=r"dwSNMPDevIndex at offset 960: 4 bytes follow"):
        pd.decode_port_data(RAW_1_BYTES + bytes(4))
    assert pd.decode_port_data(RAW_1_BYTES + bytes(4), allow_trailing=True) == RAW_1
    with pytest.raises(ValueError, match=r"DELETE_PORT_DATA_1\.dwReserved at offset 232"):
        pd.decode_delete_port_data(DELETE_BYTES + b"x")


def test_wrong_versions():
    bad = RAW_1_BYTES[:128] + dwords(3) + RAW_1_BYTES[132:]
    with pytest.raises(pd.PortDataVersionError, match=r"dwVersion at offset 128: version 3"):
        pd.decode_port_data(bad)
    with pytest.raises(
        pd.PortDataVersionError, match=r"DELETE_PORT_DATA_1\.dwVersion at offset 228"
    ):
        pd.decode_delete_port_data(DELETE_BYTES[:228] + dwords(2, 0))
    with pytest.raises(pd.PortDataVersionError, match=r"CONFIG_INFO_DATA_1\.dwVersion"):
        pd.decode_config_info_data(bytes(132))


def test_unterminated_string_is_refused():
    data = bytearray(RAW_1_BYTES)
    data[0:128] = "A".encode("utf-16-le") * 64
    with pytest.raises(ValueError, match=r"sztPortName at offset 0: no terminating NUL within 64"):
        pd.decode_port_data(bytes(data))


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            pd.PortData1("P", 1, "h" * 49),
            r"sztHostAddress at offset 144: 49 UTF-16 units; at most 48",
        ),
        (pd.PortData1("P", 1, "h", queue="a\0b"), r"sztQueue at offset 312: contains a NUL"),
        (pd.PortData1("P", 1, "h", port_number=-1), r"dwPortNumber at offset 952: -1 is not"),
        (pd.PortData1("P", 2**32, "h"), r"dwProtocol at offset 132"),
        (pd.PortData2("P" * 64, 1, "h"), r"PORT_DATA_2.sztPortName at offset 0"),
        (pd.DeletePortData1(None), r"psztPortName at offset 0: None is not a string"),  # type: ignore[arg-type]
    ],
)
def test_encode_refuses_values_that_do_not_fit(value, message):
    with pytest.raises(pd.PortDataError, match=message):
        pd.encode(value)


def test_a_character_outside_the_bmp_takes_two_units():
    host = "\U0001f5a8" * 24  # 48 units: fits exactly
    assert pd.decode_port_data(pd.encode(pd.PortData1("P", 1, host))).host_address == host
    with pytest.raises(pd.PortDataError, match="sztHostAddress"):
        pd.encode(pd.PortData1("P", 1, host + "x"))


def test_xcv_strings():
    assert pd.encode_wstr("tcpmonui.dll") == "tcpmonui.dll\0".encode("utf-16-le")
    assert pd.decode_wstr("LPT3:\0junk".encode("utf-16-le")) == "LPT3:"
    assert pd.decode_wstr("LPT3:".encode("utf-16-le") + b"\0") == "LPT3:"  # odd byte ignored
    assert pd.decode_wstr(b"") == ""
    with pytest.raises(ValueError):
        pd.encode_wstr("a\0b")


# -- properties ------------------------------------------------------------------------------------


def _text(width: int) -> st.SearchStrategy[str]:
    chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\0")
    return st.text(chars, max_size=width - 1).filter(
        lambda s: len(s.encode("utf-16-le")) <= 2 * (width - 1)
    )


DWORD = st.integers(0, 0xFFFFFFFF)

port_data_1 = st.builds(
    pd.PortData1,
    port_name=_text(64),
    protocol=DWORD,
    host_address=_text(49),
    snmp_community=_text(33),
    double_spool=st.booleans(),
    queue=_text(33),
    ip_address=_text(16),
    port_number=DWORD,
    snmp_enabled=st.booleans(),
    snmp_dev_index=DWORD,
)
port_data_2 = st.builds(
    pd.PortData2,
    port_name=_text(64),
    protocol=DWORD,
    host_address=_text(128),
    snmp_community=_text(33),
    double_spool=st.booleans(),
    queue=_text(33),
    port_number=DWORD,
    snmp_enabled=st.booleans(),
    snmp_dev_index=DWORD,
    port_monitor_mib_index=DWORD,
)


@given(port_data_1 | port_data_2)
def test_port_data_round_trips(value):
    data = pd.encode(value)
    assert len(data) == (964 if isinstance(value, pd.PortData1) else 1068)
    assert pd.decode_port_data(data) == value


@given(_text(64))
def test_delete_port_data_round_trips(name):
    assert pd.decode_delete_port_data(pd.encode(pd.DeletePortData1(name))).port_name == name


@given(port_data_1, st.integers(0, 963))
def test_any_truncation_is_a_port_data_error(value, cut):
    with pytest.raises(pd.PortDataError):
        pd.decode_port_data(pd.encode(value)[:cut])
