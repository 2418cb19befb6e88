"""Tests for the MS-BRWS codec (spoolsim.wire.browser): golden bytes written from the spec
layouts, round trips of every frame kind and of whole datagrams, malformed input, and a
cross-check against scapy's independent dissectors when scapy is installed."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.wire.browser import (
    CRITERIA_OS_SERVER,
    MAILSLOT_LANMAN,
    MSBROWSE,
    SUFFIX_BROWSER_ELECTION,
    SUFFIX_MASTER_BROWSER,
    SUFFIX_MSBROWSE,
    AnnouncementRequest,
    BecomeBackup,
    BrowserFrameError,
    Datagram,
    DomainAnnouncement,
    ElectionRole,
    GetBackupListRequest,
    GetBackupListResponse,
    HostAnnouncement,
    LocalMasterAnnouncement,
    MasterAnnouncement,
    RequestElection,
    ResetStateRequest,
    ResetStateType,
    SvType,
    datagram_length,
    decode_datagram,
    decode_frame,
    election_criteria,
    encode_datagram,
    encode_frame,
)

PRINT_SERVER = (
    SvType.SV_TYPE_WORKSTATION
    | SvType.SV_TYPE_SERVER
    | SvType.SV_TYPE_PRINTQ_SERVER
    | SvType.SV_TYPE_NT
)  # 0x00001203

# -- golden bytes, written field by field from MS-BRWS 2.2.1 / 2.2.3, not by the encoder --

GOLDEN_HOST = bytes.fromhex(
    "01"  # opcode: HostAnnouncement
    "00"  # UpdateCount: 0
    "80fc0a00"  # Periodicity: 720000 ms = 12 min, little-endian
    "5052494e5453525630310000000000 00"  # ServerName: "PRINTSRV01", NUL-padded to 16
    "0a"  # OSVersionMajor: 10
    "00"  # OSVersionMinor: 0
    "03120000"  # ServerType: WORKSTATION|SERVER|PRINTQ_SERVER|NT = 0x00001203
    "0f"  # BrowserVersionMajor: 15
    "01"  # BrowserVersionMinor: 1
    "55aa"  # Signature: 0xAA55
    "4f666669636520707269 6e7465727300"  # Comment: "Office printers", NUL
)
HOST = HostAnnouncement(
    server_name="PRINTSRV01",
    periodicity=720_000,
    server_type=PRINT_SERVER,
    os_version_major=10,
    os_version_minor=0,
    comment="Office printers",
)

GOLDEN_ELECTION = bytes.fromhex(
    "08"  # opcode: RequestElection
    "01"  # Version: 1
    "040f0120"  # Criteria 0x20010F04: OS server 0x20000000 | version 15.1 | running master 0x04
    "100e0000"  # Uptime: 3600
    "00000000"  # Unused
    "5052494e545352563031 00"  # ServerName: "PRINTSRV01", NUL
)
ELECTION = RequestElection(
    server_name="PRINTSRV01",
    criteria=election_criteria(CRITERIA_OS_SERVER, ElectionRole.MASTER),
    uptime=3600,
)


def _nbt(encoded: bytes) -> bytes:
    return b"\x20" + encoded + b"\x00"  # label length 32, first-level encoded name, empty scope


# The LocalMasterAnnouncement of the MS-BRWS 4.1 capture (GERMANSHA, 12 min, OS 5.1, type
# 0x00051003, empty comment: TotalDataCount 33, DataOffset 86, ByteCount 50) as a broadcast
# to WORKGROUP[0x1E].  Names are first-level encoded by hand: each byte's nibbles + 'A'.
GOLDEN_DATAGRAM = (
    bytes.fromhex(
        "11"  # MSG_TYPE: DIRECT_GROUP
        "0e"  # FLAGS: first fragment, h-node (as Windows sends, [MS-MAIL] <13>)
        "1234"  # DGM_ID (big-endian)
        "c0a8010a"  # SOURCE_IP 192.168.1.10
        "008a"  # SOURCE_PORT 138
        "00bb"  # DGM_LENGTH 187 = 34 + 34 + 119 bytes of SMB
        "0000"  # PACKET_OFFSET
    )
    # SOURCE_NAME "GERMANSHA" + 6 spaces + 0x00: G=EH E=EF R=FC M=EN A=EB N=EO S=FD H=EI A=EB
    + _nbt(b"EHEFFCENEBEOFDEIEB" + b"CA" * 6 + b"AA")
    # DESTINATION_NAME "WORKGROUP" + 6 spaces + 0x1E: W=FH O=EP R=FC K=EL G=EH R=FC O=EP U=FF
    # P=FA, 0x1E=BO
    + _nbt(b"FHEPFCELEHFCEPFFFA" + b"CA" * 6 + b"BO")
    + bytes.fromhex(
        "ff534d42"  # SMB Protocol
        "25"  # Command: SMB_COM_TRANSACTION
        + "00"
        * 27  # Status, Flags, Flags2, PIDHigh, signature, Reserved, TID, PID, UID, MID
        + "11"  # WordCount 17
        "0000"  # TotalParameterCount
        "2100"  # TotalDataCount 33
        "0000"  # MaxParameterCount
        "0000"  # MaxDataCount
        "00"  # MaxSetupCount
        "00"  # Reserved
        "0000"  # Flags
        "e8030000"  # Timeout 1000 ms
        "0000"  # Reserved2
        "0000"  # ParameterCount
        "0000"  # ParameterOffset
        "2100"  # DataCount 33
        "5600"  # DataOffset 86 = 32 + 1 + 34 + 2 + 17
        "03"  # SetupCount
        "00"  # Reserved3
        "0100"  # MailSlotOpcode: write
        "0000"  # Priority 0
        "0200"  # Class 2: unreliable, broadcast
        "3200"  # ByteCount 50 = 17 + 33
    )
    + b"\\MAILSLOT\\BROWSE\x00"
    + bytes.fromhex(
        "0f"  # opcode: LocalMasterAnnouncement
        "00"  # UpdateCount
        "80fc0a00"  # Periodicity 720000
        "4745524d414e534841 00000000000000"  # ServerName "GERMANSHA", NUL-padded to 16
        "05"  # OSVersionMajor 5
        "01"  # OSVersionMinor 1
        "03100500"  # ServerType 0x00051003
        "0f01"  # BrowserConfigVersion 15.1
        "55aa"  # Signature
        "00"  # Comment: empty
    )
)
GERMANSHA = LocalMasterAnnouncement(
    server_name="GERMANSHA",
    periodicity=720_000,
    server_type=0x00051003,
    os_version_major=5,
    os_version_minor=1,
)
GOLDEN_DATAGRAM_FIELDS = Datagram(
    msg_type=0x11,
    flags=0x0E,
    datagram_id=0x1234,
    source_ip="192.168.1.10",
    source="GERMANSHA",
    source_suffix=0x00,
    destination="WORKGROUP",
    dest_suffix=SUFFIX_BROWSER_ELECTION,
    mailslot="\\MAILSLOT\\BROWSE",
    frame=GERMANSHA,
)


def test_golden_host_announcement():
    assert len(GOLDEN_HOST) == 32 + 16
    assert encode_frame(HOST) == GOLDEN_HOST
    assert decode_frame(GOLDEN_HOST) == HOST


def test_golden_request_election():
    assert ELECTION.criteria == 0x20010F04
    assert encode_frame(ELECTION) == GOLDEN_ELECTION
    assert decode_frame(GOLDEN_ELECTION) == ELECTION


def test_golden_datagram_matches_the_ms_brws_example():
    assert len(GOLDEN_DATAGRAM) == 201
    assert decode_datagram(GOLDEN_DATAGRAM) == GOLDEN_DATAGRAM_FIELDS
    built = encode_datagram(
        GERMANSHA,
        source="GERMANSHA",
        destination="WORKGROUP",
        dest_suffix=SUFFIX_BROWSER_ELECTION,
        group=True,
        source_ip="192.168.1.10",
        datagram_id=0x1234,
    )
    assert built == GOLDEN_DATAGRAM


def test_sizes_the_simulator_counts():
    host = HostAnnouncement(
        server_name="PRINTSRV01", periodicity=720_000, server_type=PRINT_SERVER, comment="c" * 20
    )
    kw = dict(source="PRINTSRV01", destination="WORKGROUP", group=False)
    host_bytes = encode_datagram(host, dest_suffix=SUFFIX_MASTER_BROWSER, **kw)
    vote_bytes = encode_datagram(ELECTION, dest_suffix=SUFFIX_BROWSER_ELECTION, **kw)
    assert (len(encode_frame(host)), len(host_bytes)) == (53, 221)
    assert (len(encode_frame(ELECTION)), len(vote_bytes)) == (25, 193)
    assert datagram_length(host) == 221 and datagram_length(ELECTION) == 193


def test_msbrowse_group_name_encodes_as_the_spec_bytes():
    frame = DomainAnnouncement(
        machine_group="WORKGROUP",
        local_master_browser_name="GERMANSHA",
        periodicity=60_000,
        server_type=0x80001003,
    )
    data = encode_datagram(
        frame, source="GERMANSHA", destination=MSBROWSE, dest_suffix=SUFFIX_MSBROWSE, group=True
    )
    # 01 02 5F 5F 4D 53 42 52 4F 57 53 45 5F 5F 02 01 (MS-BRWS 2.1.1), nibble by nibble + 'A'
    assert data[48:82] == _nbt(b"ABACFPFPENFDECFCEPFHFDEFFPFPACAB")
    assert decode_datagram(data).destination == MSBROWSE


# -- round trips --

names = st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=15)
nb_names = st.text(st.characters(min_codepoint=0, max_codepoint=255), max_size=15).filter(
    lambda s: not s.endswith(" ")
)
u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
comments = st.text(st.characters(min_codepoint=1, max_codepoint=255), max_size=42)


def _announcement(cls, version_prefix):
    return st.builds(
        cls,
        server_name=names,
        periodicity=u32,
        server_type=u32,
        os_version_major=u8,
        os_version_minor=u8,
        comment=comments,
        update_count=u8,
        **{version_prefix + "_major": u8, version_prefix + "_minor": u8},
    )


frames = st.one_of(
    _announcement(HostAnnouncement, "browser_version"),
    _announcement(LocalMasterAnnouncement, "browser_config_version"),
    st.builds(AnnouncementRequest, response_name=names, reserved=u8),
    st.builds(RequestElection, server_name=names, criteria=u32, uptime=u32, version=u8, unused=u32),
    st.builds(GetBackupListRequest, requested_count=u8, token=u32),
    st.builds(
        GetBackupListResponse,
        token=u32,
        backup_servers=st.lists(names, max_size=20).map(tuple),
    ),
    st.builds(BecomeBackup, browser_to_promote=names),
    st.builds(
        DomainAnnouncement,
        machine_group=names,
        local_master_browser_name=names,
        periodicity=u32,
        server_type=u32,
        browser_config_version_major=u8,
        browser_config_version_minor=u8,
        browser_version_major=u8,
        browser_version_minor=u8,
        signature=u16,
        update_count=u8,
    ),
    st.builds(MasterAnnouncement, master_browser_server_name=names),
    st.builds(ResetStateRequest, type=st.sampled_from(ResetStateType)),
)
datagram_kwargs = st.fixed_dictionaries(
    {
        "source": nb_names,
        "destination": nb_names,
        "dest_suffix": u8,
        "group": st.booleans(),
        "source_ip": st.ip_addresses(v=4).map(str),
        "datagram_id": u16,
        "mailslot": st.sampled_from(["\\MAILSLOT\\BROWSE", MAILSLOT_LANMAN, "\\mailslot\\x"]),
        "source_suffix": u8,
        "flags": u8.map(lambda f: f & 0xFE),
        "priority": st.integers(0, 9),
    }
)


@settings(max_examples=150)
@given(frames)
def test_every_frame_kind_round_trips(frame):
    data = encode_frame(frame)
    assert decode_frame(data) == frame
    assert decode_frame(data + b"junk", strict=False) == frame


@given(frames, datagram_kwargs)
def test_datagrams_round_trip(frame, kw):
    data = encode_datagram(frame, **kw)
    assert len(data) == datagram_length(frame, mailslot=kw["mailslot"])
    dg = decode_datagram(data)
    assert dg.frame == frame
    assert dg.group is kw.pop("group")
    assert dg.msg_type == (0x11 if dg.group else 0x10)
    assert {k: getattr(dg, k) for k in kw} == kw
    assert decode_datagram(data + b"xyz", strict=False) == dg


# -- malformed input: only BrowserFrameError, with the field and offset named --


def _only_frame_errors(decode, data: bytes) -> None:
    try:
        decode(data)
    except BrowserFrameError:
        pass


@given(st.binary(max_size=80))
def test_decode_frame_arbitrary_bytes_raise_only_browser_errors(data):
    _only_frame_errors(decode_frame, data)
    _only_frame_errors(lambda d: decode_frame(d, strict=False), data)


@given(st.binary(max_size=300))
def test_decode_datagram_arbitrary_bytes_raise_only_browser_errors(data):
    _only_frame_errors(decode_datagram, data)


@given(frames, datagram_kwargs, st.data())
def test_truncated_and_mutated_datagrams_raise_only_browser_errors(frame, kw, draw):
    data = encode_datagram(frame, **kw)
    body = encode_frame(frame)
    for cut in range(len(body)):
        with pytest.raises(BrowserFrameError):
            decode_frame(body[:cut])
    for cut in range(len(data)):
        with pytest.raises(BrowserFrameError):
            decode_datagram(data[:cut])
    spot = draw.draw(st.integers(0, len(data) - 1))
    mutated = data[:spot] + bytes([draw.draw(u8)]) + data[spot + 1 :]
    _only_frame_errors(decode_datagram, mutated)
    _only_frame_errors(lambda d: decode_datagram(d, strict=False), mutated)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "Frame.Opcode: need 1 bytes at offset 0, have 0"),
        (b"\x05\x00", "Frame.Opcode: 0x05 is not a browser opcode at offset 0"),
        (GOLDEN_HOST[:26], "HostAnnouncement.ServerType: need 4 bytes at offset 24, have 2"),
        (GOLDEN_HOST[:30] + b"\x34\x12" + b"\x00", "HostAnnouncement.Signature: 0x1234"),
        (GOLDEN_HOST[:6] + b"A" * 16 + GOLDEN_HOST[22:], "ServerName: 16-byte name holds no NUL"),
        (GOLDEN_HOST[:-1], "HostAnnouncement.Comment: no NUL terminator before the end"),
        (GOLDEN_HOST[:32] + b"c" * 43 + b"\x00", "Comment: longer than 43 bytes"),
        (GOLDEN_HOST + b"\x00", "HostAnnouncement: 1 trailing bytes at offset 48"),
        (b"\x0e\x03", "ResetStateRequest.Type: 0x03 is not 0x01, 0x02 or 0x04 at offset 1"),
        (b"\x0a\x02\x01\x00\x00\x00A\x00", "BackupServerList: no NUL terminator"),
        (b"\x0b" + b"N" * 16 + b"\x00", "BrowserToPromote: longer than 16 bytes"),
    ],
)
def test_malformed_frames_name_field_and_offset(data, message):
    with pytest.raises(BrowserFrameError, match=message.replace("(", r"\(")):
        decode_frame(data)


def _patched(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_patched(GOLDEN_DATAGRAM, 0, b"\x13"), "Datagram.MSG_TYPE: 0x13"),
        (_patched(GOLDEN_DATAGRAM, 1, b"\x03"), "Datagram.FLAGS: 0x03 sets M"),
        (_patched(GOLDEN_DATAGRAM, 12, b"\x00\x01"), "Datagram.PACKET_OFFSET"),
        (_patched(GOLDEN_DATAGRAM, 10, b"\x00\xbc"), "DGM_LENGTH: says 188 bytes"),
        (GOLDEN_DATAGRAM + b"\x00", "Datagram: 1 trailing bytes after DGM_LENGTH at offset 201"),
        (_patched(GOLDEN_DATAGRAM, 14, b"\x1f"), "SOURCE_NAME: label length 0x1F"),
        (_patched(GOLDEN_DATAGRAM, 15, b"Z"), "SOURCE_NAME: 0x5A is not a first-level encoded"),
        (_patched(GOLDEN_DATAGRAM, 81, b"\x05"), "DESTINATION_NAME: scope labels"),
        (_patched(GOLDEN_DATAGRAM, 82, b"\xfeSMB"), "SMB.Protocol: not FF 53 4D 42 at offset 82"),
        (_patched(GOLDEN_DATAGRAM, 86, b"\x32"), "SMB.Command: 0x32 is not SMB_COM_TRANSACTION"),
        (_patched(GOLDEN_DATAGRAM, 114, b"\x10"), "WordCount: 16 is not 17"),
        (_patched(GOLDEN_DATAGRAM, 143, b"\x02"), "MailSlotOpcode: 0x0002 is not 0x0001"),
        (_patched(GOLDEN_DATAGRAM, 151, b"/"), "MailslotName: '/MAILSLOT\\\\\\\\BROWSE'"),
        (_patched(GOLDEN_DATAGRAM, 139, b"\x60"), "DataOffset: 96 does not follow"),
        (_patched(GOLDEN_DATAGRAM, 137, b"\x22"), "DataCount: need 34 bytes at offset 168"),
        (_patched(GOLDEN_DATAGRAM, 117, b"\x20"), "TotalDataCount: 32 differs"),
        (_patched(GOLDEN_DATAGRAM, 149, b"\x33"), "ByteCount: 51 does not match"),
        (_patched(GOLDEN_DATAGRAM, 168, b"\x07"), "Frame.Opcode: 0x07 is not a browser opcode"),
        (_patched(GOLDEN_DATAGRAM, 198, b"\x00\x00"), "LocalMasterAnnouncement.Signature"),
    ],
)
def test_malformed_datagrams_name_field_and_offset(data, message):
    with pytest.raises(BrowserFrameError, match=message.replace("(", r"\(")):
        decode_datagram(data)


def test_non_strict_reading_ignores_what_strict_rejects():
    longer = _patched(GOLDEN_DATAGRAM + b"xyz", 10, (187 + 3).to_bytes(2, "big"))  # DGM_LENGTH
    with pytest.raises(BrowserFrameError, match="SMB_COM_TRANSACTION: 3 trailing bytes"):
        decode_datagram(longer)
    assert decode_datagram(longer, strict=False) == GOLDEN_DATAGRAM_FIELDS
    for junk_in_frame in (
        _patched(_patched(longer, 117, b"\x24"), 137, b"\x24"),  # (Total)DataCount 36
        _patched(longer, 149, b"\x35"),  # ByteCount 53
    ):
        with pytest.raises(BrowserFrameError):
            decode_datagram(junk_in_frame)
        assert decode_datagram(junk_in_frame, strict=False) == GOLDEN_DATAGRAM_FIELDS


def test_padding_before_the_data_is_honoured():
    """[MS-MAIL] 2.2.1 allows 0-3 pad bytes before the data; DataOffset says where it starts."""
    head, frame = GOLDEN_DATAGRAM[:168], GOLDEN_DATAGRAM[168:]
    padded = head + b"\x00\x00" + frame
    padded = _patched(padded, 10, (187 + 2).to_bytes(2, "big"))  # DGM_LENGTH
    padded = _patched(padded, 139, (86 + 2).to_bytes(2, "little"))  # DataOffset
    padded = _patched(padded, 149, (50 + 2).to_bytes(2, "little"))  # ByteCount
    assert decode_datagram(padded) == GOLDEN_DATAGRAM_FIELDS
    too_far = _patched(padded, 139, (86 + 4).to_bytes(2, "little"))
    with pytest.raises(BrowserFrameError, match="DataOffset: 90 does not follow"):
        decode_datagram(too_far)


def _host(**kw):
    return HostAnnouncement(**{"server_name": "S", "periodicity": 1, "server_type": 0, **kw})


def _datagram(**kw):
    base = {"source": "A", "destination": "W", "dest_suffix": 0, "group": True}
    return encode_datagram(HOST, **{**base, **kw})


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: BecomeBackup(browser_to_promote="X" * 16), "BecomeBackup.BrowserToPromote"),
        (lambda: _host(server_name="A\x00B"), "HostAnnouncement.ServerName: .* holds a NUL"),
        (lambda: _host(periodicity=-1), "HostAnnouncement.Periodicity"),
        (lambda: _host(server_type=2**32), "ServerType"),
        (lambda: _host(comment="x" * 43), "HostAnnouncement.Comment: .* longer than 42"),
        (lambda: MasterAnnouncement(master_browser_server_name="Ω"), "above U\\+00FF"),
        (lambda: ResetStateRequest(type=3), "ResetStateRequest.Type"),
        (lambda: GetBackupListResponse(token=1, backup_servers=("a",) * 256), "BackupServerList"),
        (lambda: election_criteria(os=0x123), "Criteria"),
        (lambda: encode_frame("not a frame"), "not a browser frame"),
        (lambda: _datagram(source="A" * 16), "Datagram.SOURCE_NAME"),
        (lambda: _datagram(destination="W "), "DESTINATION_NAME: .* ends with a space"),
        (lambda: _datagram(source_ip="10.0.0.300"), "Datagram.SOURCE_IP"),
        (lambda: _datagram(mailslot="\\PIPE\\x"), "Datagram.MailslotName"),
        (lambda: _datagram(flags=0x03), "Datagram.FLAGS"),
        (lambda: _datagram(dest_suffix=256), "Datagram.DESTINATION_NAME suffix"),
    ],
)
def test_unencodable_values_raise_browser_frame_error(build, message):
    with pytest.raises(BrowserFrameError, match=message):
        build()


# -- cross-check with scapy's dissectors (scapy.layers.netbios / scapy.layers.smb) --


@settings(max_examples=25)
@given(
    st.one_of(
        _announcement(HostAnnouncement, "browser_version"),
        _announcement(LocalMasterAnnouncement, "browser_config_version"),
        # scapy leaves mailslot data of 2 bytes undissected, so promote a non-empty name
        st.builds(BecomeBackup, browser_to_promote=names.filter(bool)),
    ),
    datagram_kwargs,
)
def test_scapy_reads_our_datagrams(frame, kw):
    pytest.importorskip("scapy")
    from scapy.layers.netbios import NBTDatagram
    from scapy.layers.smb import (
        BRWS_BecomeBackup,
        BRWS_HostAnnouncement,
        BRWS_LocalMasterAnnouncement,
        SMB_Header,
        SMBMailslot_Write,
    )

    kw["mailslot"] = "\\MAILSLOT\\BROWSE"  # scapy 2.8 dissects frames only on this exact name
    data = encode_datagram(frame, **kw)
    pkt = NBTDatagram(data)
    assert pkt.Type == (0x11 if kw["group"] else 0x10)
    assert (pkt.Flags, pkt.ID, pkt.SourceIP, pkt.SourcePort) == (
        kw["flags"],
        kw["datagram_id"],
        kw["source_ip"],
        138,
    )
    assert pkt.Length == len(data) - 14
    assert pkt[SMB_Header].Command == 0x25
    write = pkt[SMBMailslot_Write]
    assert (write.Setup, write.Name) == ([1, kw["priority"], 2], b"\\MAILSLOT\\BROWSE")
    assert (write.DataLen, write.DataBufferOffset) == (len(encode_frame(frame)), 86)
    brws = dict(write.Buffer)["Data"]  # scapy keeps the frame in a field, not as a layer
    if isinstance(frame, BecomeBackup):
        assert isinstance(brws, BRWS_BecomeBackup)
        assert brws.BrowserToPromote == frame.browser_to_promote.encode("latin-1")
        return
    host = isinstance(frame, HostAnnouncement)
    assert type(brws) is (BRWS_HostAnnouncement if host else BRWS_LocalMasterAnnouncement)
    assert brws.ServerName.rstrip(b"\x00") == frame.server_name.encode("latin-1")
    assert (brws.Periodicity, int(brws.ServerType), brws.Signature) == (
        frame.periodicity,
        frame.server_type,
        0xAA55,
    )
    assert (brws.OSVersionMajor, brws.OSVersionMinor) == (
        frame.os_version_major,
        frame.os_version_minor,
    )
    assert brws.Comment == frame.comment.encode("latin-1")


def test_we_read_scapys_host_announcement():
    pytest.importorskip("scapy")
    from scapy.layers.smb import BRWS_HostAnnouncement

    built = bytes(
        BRWS_HostAnnouncement(
            Periodicity=720_000,
            ServerName=b"PRINTSRV01",
            OSVersionMajor=10,
            OSVersionMinor=0,
            ServerType=0x1203,
            BrowserConfigVersionMajor=15,
            BrowserConfigVersionMinor=1,
            Comment=b"Office printers",
        )
    )
    assert decode_frame(built) == HOST
