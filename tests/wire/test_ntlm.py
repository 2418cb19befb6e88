"""Tests for the NTLMSSP server (spoolsim.wire.ntlm): the MS-NLMP 4.2.4 NTLMv2 example values,
impacket's NTLM client as the real counterpart (handshake, then signing and sealing both ways),
anonymous and NTLMv1 logons, the MIC, and malformed input that must raise NtlmError only."""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spoolsim.wire.ntlm import (
    AvId,
    NegotiateFlags,
    NtlmError,
    NtlmSecurity,
    NtlmServer,
    ntlmv2_proof,
    ntowfv2,
)

F = NegotiateFlags
ACCOUNTS = {"alice": "s3cret!", "Bob": "hunter2"}


@pytest.fixture
def imp():
    """impacket's NTLM client code (the independent implementation)."""
    return pytest.importorskip("impacket.ntlm")


def negotiate(flags: int, version: bytes = b"") -> bytes:
    """A NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1) with empty domain and workstation fields."""
    return b"NTLMSSP\x00" + struct.pack("<II", 1, flags) + bytes(16) + version


def av_pairs(info: bytes) -> dict[int, bytes]:
    found, pos = {}, 0
    while True:
        av_id, av_len = struct.unpack_from("<HH", info, pos)
        if av_id == 0:
            assert pos + 4 == len(info)
            return found
        found[av_id] = info[pos + 4 : pos + 4 + av_len]
        pos += 4 + av_len


# --- MS-NLMP 4.2.4 (NTLMv2 authentication), common values of 4.2.1 ---------------------------

SPEC_SERVER_CHALLENGE = bytes.fromhex("0123456789abcdef")
# 4.2.4.1.3 "temp": RespType, HiRespType, Z(6), Time (0), ClientChallenge (aa * 8), Z(4),
# ServerName (the AV pairs MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server", EOL), Z(4).
SPEC_TEMP = bytes.fromhex(
    "0101000000000000" "0000000000000000" "aaaaaaaaaaaaaaaa" "00000000"
    "02000c0044006f006d00610069006e00" "01000c00530065007200760065007200" "00000000"
    "00000000"
)  # fmt: skip
# 4.2.4.3 AUTHENTICATE_MESSAGE (flags e2888235, Version 5.1.2600 rev 15, no MIC).
SPEC_AUTHENTICATE = bytes.fromhex(
    "4e544c4d535350000300000018001800"
    "6c00000054005400840000000c000c00"
    "48000000080008005400000010001000"
    "5c00000010001000d8000000358288e2"
    "0501280a0000000f44006f006d006100"
    "69006e00550073006500720043004f00"
    "4d005000550054004500520086c35097"
    "ac9cec102554764a57cccc19aaaaaaaa"
    "aaaaaaaa68cd0ab851e51c96aabc927b"
    "ebef6a1c010100000000000000000000"
    "00000000aaaaaaaaaaaaaaaa00000000"
    "02000c0044006f006d00610069006e00"
    "01000c00530065007200760065007200"
    "0000000000000000c5dad2544fc97990"
    "94ce1ce90bc9d03e"
)  # fmt: skip


def test_ntowfv2_is_the_one_of_ms_nlmp_4_2_4_1_1() -> None:
    assert ntowfv2("Password", "User", "Domain") == bytes.fromhex(
        "0c868a403bfd7a93a3001ef22ef02e3f"
    )


def test_ntproofstr_and_session_base_key_are_those_of_ms_nlmp_4_2_4() -> None:
    key = ntowfv2("Password", "User", "Domain")
    proof, base = ntlmv2_proof(key, SPEC_SERVER_CHALLENGE, SPEC_TEMP)
    assert proof == bytes.fromhex("68cd0ab851e51c96aabc927bebef6a1c")  # 4.2.4.2.2
    assert base == bytes.fromhex("8de40ccadbc14a82f15cb0ad0de95ca3")  # 4.2.4.1.2


def spec_session() -> NtlmSecurity:
    server = NtlmServer({"user": "Password"}, challenge=lambda: SPEC_SERVER_CHALLENGE)
    server.challenge(negotiate(0xE2888235, version=bytes.fromhex("0501280a0000000f")))
    return server.authenticate(SPEC_AUTHENTICATE)


def test_the_authenticate_message_of_ms_nlmp_4_2_4_3_is_accepted() -> None:
    session = spec_session()
    assert (session.user, session.domain, session.anonymous) == ("User", "Domain", False)
    assert session.flags == 0xE2888235
    assert SPEC_AUTHENTICATE[0x84 + 16 : 0x84 + 0x54] == SPEC_TEMP  # NtChallengeResponse blob
    # 4.2.4.2.3: EncryptedRandomSessionKey c5da...d03e is RandomSessionKey (4.2.1: 0x55 * 16)
    # under RC4(SessionBaseKey); the server recovers it as the ExportedSessionKey.
    assert SPEC_AUTHENTICATE[-16:] == bytes.fromhex("c5dad2544fc9799094ce1ce90bc9d03e")
    assert session.session_key == b"\x55" * 16


def test_the_sealed_plaintext_of_ms_nlmp_4_2_4_4_unseals_and_verifies() -> None:
    session = spec_session()
    # 4.2.4.4 GSS_WrapEx, client to server, SeqNum 0: "Plaintext" in UTF-16LE.
    sealed = bytes.fromhex("54e50165bf1936dc996020c1811b0f06fb5f")
    signature = bytes.fromhex("010000007fb38ec5c55d497600000000")
    plaintext = session.unseal(sealed)
    assert plaintext == "Plaintext".encode("utf-16-le")
    session.verify(plaintext, signature)


def test_the_spec_response_fails_with_another_password_or_challenge() -> None:
    server = NtlmServer({"User": "password"}, challenge=lambda: SPEC_SERVER_CHALLENGE)
    server.challenge(negotiate(0xE2888235))
    with pytest.raises(NtlmError, match="wrong password or unknown user 'User'"):
        server.authenticate(SPEC_AUTHENTICATE)
    server = NtlmServer({"User": "Password"}, challenge=lambda: bytes(8))
    server.challenge(negotiate(0xE2888235))
    with pytest.raises(NtlmError, match="wrong password or unknown user 'User'"):
        server.authenticate(SPEC_AUTHENTICATE)


# --- CHALLENGE_MESSAGE ---------------------------------------------------------------------


def test_challenge_answers_what_the_client_asked() -> None:
    server = NtlmServer(ACCOUNTS, target="PRINTSRV", challenge=lambda: b"12345678")
    asked = F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_REQUEST_TARGET | F.NTLMSSP_NEGOTIATE_SIGN
    asked |= F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY | F.NTLMSSP_NEGOTIATE_128
    asked |= 0x00000040  # NTLMSSP_NEGOTIATE_DATAGRAM: connectionless, not offered
    message = server.challenge(negotiate(asked))
    assert message[:12] == b"NTLMSSP\x00\x02\x00\x00\x00"
    (flags,) = struct.unpack_from("<I", message, 20)
    assert flags == (
        F.NTLMSSP_NEGOTIATE_UNICODE
        | F.NTLMSSP_REQUEST_TARGET
        | F.NTLMSSP_NEGOTIATE_SIGN
        | F.NTLMSSP_NEGOTIATE_NTLM
        | F.NTLMSSP_TARGET_TYPE_SERVER
        | F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
        | F.NTLMSSP_NEGOTIATE_TARGET_INFO
        | F.NTLMSSP_NEGOTIATE_128
    )
    assert message[24:32] == b"12345678"
    assert message[48:56] == bytes(8)  # Version not negotiated
    name_len, _, name_at = struct.unpack_from("<HHI", message, 12)
    assert message[name_at : name_at + name_len] == "PRINTSRV".encode("utf-16-le")
    info_len, _, info_at = struct.unpack_from("<HHI", message, 40)
    assert info_at + info_len == len(message)
    assert av_pairs(message[info_at:]) == {
        AvId.MsvAvNbDomainName: "PRINTSRV".encode("utf-16-le"),
        AvId.MsvAvNbComputerName: "PRINTSRV".encode("utf-16-le"),
        AvId.MsvAvDnsDomainName: "printsrv".encode("utf-16-le"),
        AvId.MsvAvDnsComputerName: "printsrv".encode("utf-16-le"),
    }


def test_challenge_with_version_timestamp_and_oem() -> None:
    server = NtlmServer(ACCOUNTS, now=lambda: 0x01D8_0000_1234_5678)
    message = server.challenge(negotiate(F.NTLMSSP_NEGOTIATE_VERSION | F.NTLM_NEGOTIATE_OEM))
    (flags,) = struct.unpack_from("<I", message, 20)
    assert flags & F.NTLM_NEGOTIATE_OEM and not flags & F.NTLMSSP_NEGOTIATE_UNICODE
    assert flags & F.NTLMSSP_NEGOTIATE_VERSION
    assert message[48:56] == bytes([10, 0]) + struct.pack("<H", 20348) + bytes(3) + b"\x0f"
    assert message[56:64] == b"SPOOLSIM"  # OEM TargetName
    info_len, _, info_at = struct.unpack_from("<HHI", message, 40)
    info = av_pairs(message[info_at : info_at + info_len])
    assert info[AvId.MsvAvTimestamp] == struct.pack("<Q", 0x01D8_0000_1234_5678)


def test_signing_without_extended_session_security_is_refused() -> None:
    server = NtlmServer(ACCOUNTS)
    asked = F.NTLMSSP_NEGOTIATE_UNICODE | F.NTLMSSP_NEGOTIATE_SIGN | F.NTLMSSP_NEGOTIATE_NTLM
    with pytest.raises(NtlmError, match="EXTENDED_SESSIONSECURITY"):
        server.challenge(negotiate(asked))


# --- impacket as the client ----------------------------------------------------------------

SIGN_AND_SEAL = F.NTLMSSP_NEGOTIATE_KEY_EXCH | F.NTLMSSP_NEGOTIATE_SIGN
SIGN_AND_SEAL |= F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN | F.NTLMSSP_NEGOTIATE_SEAL
VARIANTS = {
    # what to take out of impacket's NEGOTIATE flags (signingRequired=True)
    "privacy": 0,
    "privacy-no-key-exch": F.NTLMSSP_NEGOTIATE_KEY_EXCH,
    "privacy-56-bit": F.NTLMSSP_NEGOTIATE_128,
    "privacy-40-bit": F.NTLMSSP_NEGOTIATE_128 | F.NTLMSSP_NEGOTIATE_56,
    "integrity": F.NTLMSSP_NEGOTIATE_SEAL,
    "integrity-no-key-exch": F.NTLMSSP_NEGOTIATE_SEAL | F.NTLMSSP_NEGOTIATE_KEY_EXCH,
}


def impacket_logon(imp, server, user="alice", password="s3cret!", *, drop=0, domain="WORKGROUP"):
    """impacket's NEGOTIATE, our CHALLENGE, impacket's AUTHENTICATE: (type1, type3, key)."""
    type1 = imp.getNTLMSSPType1("", "", signingRequired=True)
    type1["flags"] &= ~drop
    challenge = server.challenge(type1.getData())
    type3, exported = imp.getNTLMSSPType3(type1, challenge, user, password, domain, "", "")
    return type1, type3, exported


class ImpacketPeer:
    """The client end of a session, signing and sealing with impacket's functions."""

    def __init__(self, imp, flags: int, key: bytes) -> None:
        from Cryptodome.Cipher import ARC4

        self.imp, self.flags = imp, flags
        self.keys = {
            way: (imp.SIGNKEY(flags, key, way), ARC4.new(imp.SEALKEY(flags, key, way)).encrypt)
            for way in ("Client", "Server")
        }
        self.seq = {"Client": 0, "Server": 0}

    def _next(self, way: str) -> int:
        self.seq[way] += 1
        return self.seq[way] - 1

    def sign(self, message: bytes) -> bytes:
        sign_key, handle = self.keys["Client"]
        return self.imp.SIGN(self.flags, sign_key, message, self._next("Client"), handle).getData()

    def seal(self, plaintext: bytes, to_sign: bytes) -> tuple[bytes, bytes]:
        sign_key, handle = self.keys["Client"]
        seq = self._next("Client")
        sealed, sig = self.imp.SEAL(self.flags, sign_key, None, to_sign, plaintext, seq, handle)
        return sealed, sig.getData()

    def server_signature(self, message: bytes) -> bytes:
        """What a signature from the server over ``message`` must be."""
        sign_key, handle = self.keys["Server"]
        return self.imp.SIGN(self.flags, sign_key, message, self._next("Server"), handle).getData()

    def unseal(self, ciphertext: bytes) -> bytes:
        return self.keys["Server"][1](ciphertext)


def pdu(n: int, stub: bytes) -> bytes:
    """Something shaped like a DCE/RPC PDU to sign: header, stub, sec_trailer."""
    return bytes([5, 0, 0, 3]) + struct.pack("<I", n) + stub + b"\x0a\x06\x00\x00\x00\x00\x00\x00"


@pytest.mark.parametrize("drop", VARIANTS.values(), ids=VARIANTS.keys())
def test_impacket_logs_on_and_both_directions_sign_and_seal(imp, drop: int) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, exported = impacket_logon(imp, server, "ALICE", drop=drop)
    session = server.authenticate(type3.getData())
    assert (session.user, session.domain, session.anonymous) == ("ALICE", "WORKGROUP", False)
    assert session.flags == type3["flags"]
    assert session.session_key == exported
    client = ImpacketPeer(imp, type3["flags"], exported)
    sealing = bool(session.flags & F.NTLMSSP_NEGOTIATE_SEAL)
    for n in range(5):
        stub = bytes(range(n, n + 24 + 8 * n))
        if sealing:
            sealed, signature = client.seal(stub, pdu(n, stub))
            assert sealed != stub
            assert session.unseal(sealed) == stub
        else:
            signature = client.sign(pdu(n, stub))
        session.verify(pdu(n, stub), signature)
        reply = stub[::-1] * 2
        if sealing:
            sealed, signature = session.seal(reply, pdu(n, reply))
            assert client.unseal(sealed) == reply
        else:
            signature = session.sign(pdu(n, reply))
        assert struct.unpack_from("<I", signature, 12)[0] == n
        assert signature == client.server_signature(pdu(n, reply))
    if not sealing:
        with pytest.raises(NtlmError, match="sealing was not negotiated"):
            session.seal(b"x", b"x")


def test_a_tampered_or_replayed_message_fails_verification(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, exported = impacket_logon(imp, server)
    session = server.authenticate(type3.getData())
    client = ImpacketPeer(imp, type3["flags"], exported)
    first = client.sign(b"first")
    session.verify(b"first", first)
    signature = client.sign(b"second")
    with pytest.raises(NtlmError, match=r"bad signature: checksum does not match \(SeqNum 1\)"):
        session.verify(b"secund", signature)
    session.verify(b"third", client.sign(b"third"))  # both ends counted the bad one
    with pytest.raises(NtlmError, match="bad signature: SeqNum 0, expected 3"):
        session.verify(b"first", first)  # a replay
    with pytest.raises(NtlmError, match="bad signature: 15 octets, expected 16"):
        session.verify(b"fourth", bytes(15))


def test_wrong_password_and_unknown_user_are_refused_alike(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server, "alice", "wrong")
    with pytest.raises(NtlmError) as wrong:
        server.authenticate(type3.getData())
    _, type3, _ = impacket_logon(imp, server, "carol", "s3cret!")
    with pytest.raises(NtlmError) as unknown:
        server.authenticate(type3.getData())
    assert wrong.value.detail == "wrong password or unknown user 'alice'"
    assert unknown.value.detail == "wrong password or unknown user 'carol'"


def test_the_domain_sent_is_the_one_hashed(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server, "bob", "hunter2", domain="")
    assert server.authenticate(type3.getData()).domain == ""
    _, type3, _ = impacket_logon(imp, server, "bob@example.test", "hunter2", domain="")
    assert server.authenticate(type3.getData()).user == "bob@example.test"  # a UPN


def test_without_extended_session_security_there_is_no_signing(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    type1 = imp.getNTLMSSPType1("", "")  # connect level: neither SIGN nor SEAL
    type1["flags"] &= ~F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    type3, _ = imp.getNTLMSSPType3(type1, server.challenge(type1.getData()), "bob", "hunter2", "")
    session = server.authenticate(type3.getData())
    assert (
        not session.anonymous and not session.flags & F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
    )
    with pytest.raises(NtlmError, match="no NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY"):
        session.sign(b"x")
    _, type3, _ = impacket_logon(imp, server)
    type3["flags"] &= ~F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY  # but still SIGN and SEAL
    with pytest.raises(NtlmError, match=r"^NegotiateFlags: signing or sealing needs EXTENDED"):
        server.authenticate(type3.getData())


def test_anonymous_logon_has_no_signing(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    type1 = imp.getNTLMSSPType1("", "")
    type3, _ = imp.getNTLMSSPType3(type1, server.challenge(type1.getData()), "", "", "")
    session = server.authenticate(type3.getData())
    assert session.anonymous and session.user == "" and session.session_key == b""
    with pytest.raises(NtlmError, match="anonymous"):
        session.sign(b"x")
    with pytest.raises(NtlmError, match="anonymous"):
        session.verify(b"x", bytes(16))


def test_ntlmv1_is_refused(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    type1 = imp.getNTLMSSPType1("", "", signingRequired=True, use_ntlmv2=False)
    challenge = server.challenge(type1.getData())
    type3, _ = imp.getNTLMSSPType3(type1, challenge, "alice", "s3cret!", "", use_ntlmv2=False)
    assert len(type3["ntlm"]) == 24
    with pytest.raises(NtlmError, match="NTLMv1 response from user 'alice' refused"):
        server.authenticate(type3.getData())


def test_authenticate_needs_a_challenge_first(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server)
    server.authenticate(type3.getData())
    with pytest.raises(NtlmError, match="without a NEGOTIATE_MESSAGE"):
        server.authenticate(type3.getData())  # the exchange is over: no replay


# --- the MIC -------------------------------------------------------------------------------

VERSION = bytes.fromhex("0a00634a0000000f")  # 10.0.19043, NTLMSSP_REVISION_W2K3


def logon_with_mic(imp, server) -> tuple[bytes, bytes]:
    """An AUTHENTICATE_MESSAGE with a MIC, as Windows and Samba send one: (message, key).

    impacket neither sets MsvAvFlags nor fills the MIC, so the test does both: it lets
    impacket copy an MsvAvFlags (0x2) pair from the target info into its NTLMv2 blob, then
    writes the MIC of MS-NLMP 3.1.5.1.2 over the messages really exchanged."""
    type1 = imp.getNTLMSSPType1("", "", signingRequired=True, version=VERSION)
    first = type1.getData()
    challenge = server.challenge(first)
    length, _, at = struct.unpack_from("<HHI", challenge, 40)  # TargetInfo, last in the message
    info = challenge[at : at + length - 4] + struct.pack("<HHI", AvId.MsvAvFlags, 4, 2) + bytes(4)
    seen = challenge[:40] + struct.pack("<HHI", len(info), len(info), at) + challenge[48:at] + info
    type3, exported = imp.getNTLMSSPType3(
        type1, seen, "alice", "s3cret!", "WORKGROUP", version=VERSION
    )
    type3["MIC"] = bytes(16)
    unsigned = type3.getData()
    mic = hmac.new(exported, first + challenge + unsigned, hashlib.md5).digest()
    return unsigned[:72] + mic + unsigned[88:], exported


def test_a_mic_is_verified(imp) -> None:
    server = NtlmServer(ACCOUNTS, now=lambda: 133_500_000_000_000_000)
    message, exported = logon_with_mic(imp, server)
    assert server.authenticate(message).session_key == exported


@pytest.mark.parametrize("where", [72, 80, 87])
def test_a_flipped_mic_byte_is_refused(imp, where: int) -> None:
    server = NtlmServer(ACCOUNTS)
    message, _ = logon_with_mic(imp, server)
    tampered = bytearray(message)
    tampered[where] ^= 0x01
    with pytest.raises(NtlmError, match="MIC does not match"):
        server.authenticate(bytes(tampered))


# --- malformed input -----------------------------------------------------------------------

FIELDS = {
    12: "LmChallengeResponse",
    20: "NtChallengeResponse",
    28: "DomainName",
    36: "UserName",
    44: "Workstation",
    52: "EncryptedRandomSessionKey",
}


@pytest.mark.parametrize("at", FIELDS, ids=FIELDS.values())
def test_a_field_outside_the_message_is_named(imp, at: int) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server)
    message = bytearray(type3.getData())
    struct.pack_into("<HHI", message, at, 8, 8, len(message) - 4)
    with pytest.raises(NtlmError, match=f"^{FIELDS[at]} \\(offset {len(message) - 4}, length 8\\)"):
        server.authenticate(bytes(message))


@pytest.mark.parametrize(
    ("message", "detail"),
    [
        (b"NTLMSSP\x00\x01\x00", "NEGOTIATE_MESSAGE is 10 octets, shorter than its 32"),
        (b"NTLMSSQ\x00" + bytes(24), "NEGOTIATE_MESSAGE: Signature is b'NTLMSSQ\\x00'"),
        (b"NTLMSSP\x00\x03" + bytes(23), "NEGOTIATE_MESSAGE: MessageType is 3, expected 1"),
        (negotiate(0)[:16] + b"\x04\x00\x04\x00\xff\x00\x00\x00" + bytes(8), "DomainNameFields"),
    ],
)
def test_malformed_negotiate_messages_are_named(message: bytes, detail: str) -> None:
    with pytest.raises(NtlmError) as caught:
        NtlmServer(ACCOUNTS).challenge(message)
    assert caught.value.detail.startswith(detail)


def test_a_broken_blob_is_named(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server)
    type3["ntlm"] = type3["ntlm"][:44] + b"\x01\x00\xff\x00"  # an AV pair longer than the rest
    with pytest.raises(NtlmError, match=r"NtChallengeResponse: AV pair 1 .* runs past the end"):
        server.authenticate(type3.getData())


def test_user_name_that_is_not_utf16_is_named(imp) -> None:
    server = NtlmServer(ACCOUNTS)
    _, type3, _ = impacket_logon(imp, server)
    type3["user_name"] = b"\x00\xd8a\x00"  # a lone high surrogate
    with pytest.raises(NtlmError, match=r"^UserName is not valid utf-16-le"):
        server.authenticate(type3.getData())


def fresh_server() -> NtlmServer:
    server = NtlmServer(ACCOUNTS, challenge=lambda: b"\x11" * 8)
    server.challenge(negotiate(0xE2888235 & ~F.NTLMSSP_NEGOTIATE_VERSION))
    return server


@given(st.binary(max_size=200))
def test_any_bytes_into_challenge_raise_only_ntlm_error(data: bytes) -> None:
    try:
        NtlmServer(ACCOUNTS).challenge(data)
    except NtlmError:
        pass


@given(st.one_of(st.binary(max_size=300), st.binary(max_size=300).map(
    lambda rest: b"NTLMSSP\x00\x03\x00\x00\x00" + rest)))  # fmt: skip
def test_any_bytes_into_authenticate_raise_only_ntlm_error(data: bytes) -> None:
    try:
        fresh_server().authenticate(data)
    except NtlmError:
        pass


@pytest.fixture(scope="module")
def real_authenticate() -> tuple[bytes, bytes]:
    """A real impacket AUTHENTICATE_MESSAGE (and the NEGOTIATE it followed) for mutation."""
    imp = pytest.importorskip("impacket.ntlm")
    type1 = imp.getNTLMSSPType1("", "", signingRequired=True)
    type3, _ = imp.getNTLMSSPType3(
        type1, fresh_server().challenge(type1.getData()), "alice", "s3cret!", "WORKGROUP"
    )
    return type1.getData(), type3.getData()


@given(
    cut=st.integers(min_value=0, max_value=400),
    edits=st.lists(st.tuples(st.integers(0, 399), st.integers(0, 255)), max_size=6),
)
def test_truncated_or_mutated_real_messages_raise_only_ntlm_error(
    real_authenticate: tuple[bytes, bytes], cut: int, edits: list[tuple[int, int]]
) -> None:
    first, message = real_authenticate
    for data, kind in ((first, "challenge"), (message, "authenticate")):
        mutated = bytearray(data[:cut])
        for at, value in edits:
            if at < len(mutated):
                mutated[at] = value
        server = fresh_server()
        try:
            getattr(server, kind)(bytes(mutated))
        except NtlmError:
            pass
