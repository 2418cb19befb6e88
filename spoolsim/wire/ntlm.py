"""The server side of NTLMSSP (MS-NLMP), NTLMv2 only, as a sans-I/O exchange and session.

Theory of operation
===================

One :class:`NtlmServer` per connection.  :meth:`~NtlmServer.challenge` answers the client's
NEGOTIATE_MESSAGE with a CHALLENGE_MESSAGE (2.2.1.2): the flags asked for among ``_ECHOED``,
plus NTLM, TARGET_INFO and TARGET_TYPE_SERVER (a standalone server: ``target`` is both domain
and computer), an 8-octet server challenge and the target info AV pairs (2.2.2.1).
:meth:`~NtlmServer.authenticate` checks the AUTHENTICATE_MESSAGE (3.2.5.1.2):

- anonymous (no user, no NT response, LM response empty or one zero octet) gets no keys;
- a 24-octet NT response is NTLMv1, refused.  An NTLMv2 one (2.2.2.8) is NTProofStr (16
  octets) then the client's blob, AV pairs from blob offset 28, and NTProofStr must be
  ``HMAC_MD5(NTOWFv2, ServerChallenge + blob)``, ``NTOWFv2 = HMAC_MD5(MD4(UTF-16LE(password)),
  UTF-16LE(upper(user) + domain))``, user and domain as sent (3.3.2);
- the session base key ``HMAC_MD5(NTOWFv2, NTProofStr)`` is the key exchange key (3.4.5.1);
  with KEY_EXCH the exported session key is EncryptedRandomSessionKey RC4-decrypted under it;
- a MIC (MsvAvFlags bit 0x2 in the client's AV pairs) at offset 72 must be
  ``HMAC_MD5(ExportedSessionKey, NEGOTIATE + CHALLENGE + AUTHENTICATE with MIC zeroed)``.

The session's flags are the AUTHENTICATE_MESSAGE's, limited to those we offered.
:class:`NtlmSecurity` protects messages with extended session security only (3.4.4.2): each
direction has a signing key and an RC4 handle keyed with its sealing key (3.4.5.2-3; the
sealing key base is cut to 7 or 5 octets without 128).  A signature is ``Version 1 | Checksum
| SeqNum``, the checksum being ``HMAC_MD5(SigningKey, SeqNum + message)[:8]``, RC4-encrypted
with KEY_EXCH.  Sealing encrypts the plaintext with the same handle *before* the checksum, so
one keystream runs message, checksum, next message...  Each direction counts from 0.  DCE/RPC
(MS-RPCE 2.2.2.11) seals the stub and its padding but signs the whole PDU with the stub in
clear: ``seal(plaintext, to_sign)`` going out, ``unseal`` then ``verify`` coming in.

Every :class:`NtlmError` is the peer's fault and ``detail`` names the field; nothing else
leaves ``challenge`` or ``authenticate``, whatever the input.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import os
import struct
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from Cryptodome.Cipher import ARC4
from Cryptodome.Hash import MD4

__all__ = [
    "AvId",
    "NegotiateFlags",
    "NtlmError",
    "NtlmSecurity",
    "NtlmServer",
    "ntlmv2_proof",
    "ntowfv2",
]

SIGNATURE = b"NTLMSSP\x00"
NEGOTIATE_MESSAGE, CHALLENGE_MESSAGE, AUTHENTICATE_MESSAGE = 1, 2, 3
# ProductMajorVersion 10, minor 0, build 20348 (Windows Server 2022), NTLMSSP_REVISION_W2K3.
OUR_VERSION = struct.pack("<BBH3xB", 10, 0, 20348, 0x0F)
MIC_FLAG = 0x00000002  # MsvAvFlags: the AUTHENTICATE_MESSAGE carries a MIC (2.2.2.1)


class NegotiateFlags(enum.IntFlag):
    """NegotiateFlags (MS-NLMP 2.2.2.5), the ones this module reads or writes."""

    NTLMSSP_NEGOTIATE_UNICODE = 0x00000001
    NTLM_NEGOTIATE_OEM = 0x00000002
    NTLMSSP_REQUEST_TARGET = 0x00000004
    NTLMSSP_NEGOTIATE_SIGN = 0x00000010
    NTLMSSP_NEGOTIATE_SEAL = 0x00000020
    NTLMSSP_NEGOTIATE_NTLM = 0x00000200
    NTLMSSP_NEGOTIATE_ALWAYS_SIGN = 0x00008000
    NTLMSSP_TARGET_TYPE_SERVER = 0x00020000
    NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY = 0x00080000
    NTLMSSP_NEGOTIATE_TARGET_INFO = 0x00800000
    NTLMSSP_NEGOTIATE_VERSION = 0x02000000
    NTLMSSP_NEGOTIATE_128 = 0x20000000
    NTLMSSP_NEGOTIATE_KEY_EXCH = 0x40000000
    NTLMSSP_NEGOTIATE_56 = 0x80000000


_F = NegotiateFlags
_PROTECT = _F.NTLMSSP_NEGOTIATE_SIGN | _F.NTLMSSP_NEGOTIATE_SEAL
_ESS = _F.NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY
_KEYS = _F.NTLMSSP_NEGOTIATE_128 | _F.NTLMSSP_NEGOTIATE_56 | _F.NTLMSSP_NEGOTIATE_KEY_EXCH
# What a client gets if it asks (UNICODE or OEM is chosen apart); _ALWAYS it gets anyway.
_ECHOED = _PROTECT | _ESS | _KEYS | _F.NTLMSSP_REQUEST_TARGET | _F.NTLMSSP_NEGOTIATE_ALWAYS_SIGN
_ECHOED |= _F.NTLMSSP_NEGOTIATE_VERSION
_ALWAYS = _F.NTLMSSP_NEGOTIATE_NTLM | _F.NTLMSSP_NEGOTIATE_TARGET_INFO
_ALWAYS |= _F.NTLMSSP_TARGET_TYPE_SERVER


class AvId(enum.IntEnum):
    """AvId values of an AV_PAIR (MS-NLMP 2.2.2.1)."""

    MsvAvEOL = 0
    MsvAvNbComputerName = 1
    MsvAvNbDomainName = 2
    MsvAvDnsComputerName = 3
    MsvAvDnsDomainName = 4
    MsvAvFlags = 6
    MsvAvTimestamp = 7


class NtlmError(Exception):
    """What the peer got wrong (``detail`` names it); always the peer's fault (``remote``)."""

    remote = True

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _hmac_md5(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.md5).digest()


def ntowfv2(password: str, user: str, domain: str) -> bytes:
    """NTOWFv2 (MS-NLMP 3.3.2): the NTLMv2 response key of ``user`` in ``domain``."""
    nt_hash = MD4.new(password.encode("utf-16-le", "surrogatepass")).digest()
    return _hmac_md5(nt_hash, (user.upper() + domain).encode("utf-16-le", "surrogatepass"))


def ntlmv2_proof(response_key: bytes, server_challenge: bytes, blob: bytes) -> tuple[bytes, bytes]:
    """``(NTProofStr, SessionBaseKey)`` of an NTLMv2 response whose client blob is ``blob``."""
    proof = _hmac_md5(response_key, server_challenge + blob)
    return proof, _hmac_md5(response_key, proof)


def _check_header(message: bytes, kind: int, minimum: int, name: str) -> None:
    if len(message) < minimum:
        raise NtlmError(f"{name} is {len(message)} octets, shorter than its {minimum}-octet header")
    if message[:8] != SIGNATURE:
        raise NtlmError(f"{name}: Signature is {message[:8]!r}, expected {SIGNATURE!r}")
    (found,) = struct.unpack_from("<I", message, 8)
    if found != kind:
        raise NtlmError(f"{name}: MessageType is {found}, expected {kind}")


def _field(message: bytes, at: int, name: str) -> bytes:
    """The payload a ``Len, MaxLen, BufferOffset`` header at ``at`` points to (2.2.1)."""
    length, _max, offset = struct.unpack_from("<HHI", message, at)
    if length and offset + length > len(message):
        raise NtlmError(f"{name} (offset {offset}, length {length}) is past the message's end")
    return message[offset : offset + length] if length else b""


def _text(raw: bytes, unicode: bool, name: str) -> str:
    try:
        return raw.decode("utf-16-le") if unicode else raw.decode("cp437")
    except UnicodeDecodeError as exc:
        raise NtlmError(f"{name} is not valid {exc.encoding}: {exc.reason}") from None


def _av_pairs(data: bytes, name: str) -> dict[int, bytes]:
    """The AV pairs up to MsvAvEOL; the first of each AvId counts."""
    pairs: dict[int, bytes] = {}
    pos = 0
    while True:
        if pos + 4 > len(data):
            raise NtlmError(f"{name}: AV pair list ends at octet {pos} without MsvAvEOL")
        av_id, av_len = struct.unpack_from("<HH", data, pos)
        pos += 4
        if av_id == AvId.MsvAvEOL:
            return pairs
        if pos + av_len > len(data):
            raise NtlmError(f"{name}: AV pair {av_id} (length {av_len}) runs past the end")
        pairs.setdefault(av_id, data[pos : pos + av_len])
        pos += av_len


def _av(av_id: AvId, value: bytes) -> bytes:
    return struct.pack("<HH", av_id, len(value)) + value


@attrs.define(eq=False)
class _Direction:
    """One direction of a session: signing key, RC4 handle, next sequence number."""

    sign_key: bytes
    handle: Any  # a Cryptodome ARC4 cipher, its keystream shared by sealing and checksums
    seq: int = 0

    @classmethod
    def derive(cls, session_key: bytes, flags: int, way: bytes) -> _Direction:
        """Keys for ``way`` (b"client-to-server" or b"server-to-client"), 3.4.5.2-3."""
        magic = b"session key to " + way + b" %s key magic constant\x00"
        cut = 7 if flags & _F.NTLMSSP_NEGOTIATE_56 else 5
        cut = 16 if flags & _F.NTLMSSP_NEGOTIATE_128 else cut
        seal_key = hashlib.md5(session_key[:cut] + magic % b"sealing").digest()
        return cls(hashlib.md5(session_key + magic % b"signing").digest(), ARC4.new(seal_key))

    def mac(self, message: bytes, key_exch: bool) -> bytes:
        """The next NTLMSSP_MESSAGE_SIGNATURE (2.2.2.9.1) over ``message``."""
        seq = struct.pack("<I", self.seq)
        checksum = _hmac_md5(self.sign_key, seq + message)[:8]
        if key_exch:
            checksum = self.handle.encrypt(checksum)
        self.seq = (self.seq + 1) & 0xFFFFFFFF
        return struct.pack("<I", 1) + checksum + seq


@attrs.define(eq=False)
class NtlmSecurity:
    """An authenticated NTLM session: who, with which flags, and its message protection.

    ``sign``/``seal`` protect what the server sends, ``verify``/``unseal`` check what the
    client sent; each call advances its direction's sequence number (and, with ``KEY_EXCH``
    or sealing, its RC4 handle), so calls must follow the order of the messages on the wire.
    """

    user: str
    domain: str
    anonymous: bool
    flags: int
    _session_key: bytes = attrs.field(default=b"", repr=False)
    _outbound: _Direction | None = attrs.field(default=None, repr=False)
    _inbound: _Direction | None = attrs.field(default=None, repr=False)

    @property
    def session_key(self) -> bytes:
        """The ExportedSessionKey (empty for an anonymous session)."""
        return self._session_key

    def _direction(self, outbound: bool, sealing: bool) -> _Direction:
        if self.anonymous:
            raise NtlmError("an anonymous NTLM session cannot sign or seal")
        if sealing and not self.flags & _F.NTLMSSP_NEGOTIATE_SEAL:
            raise NtlmError("sealing was not negotiated (no NTLMSSP_NEGOTIATE_SEAL)")
        direction = self._outbound if outbound else self._inbound
        if direction is None:
            raise NtlmError("no NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY, so no signing")
        return direction

    @property
    def _key_exch(self) -> bool:
        return bool(self.flags & _F.NTLMSSP_NEGOTIATE_KEY_EXCH)

    def sign(self, message: bytes) -> bytes:
        """The 16-octet signature of a server-to-client ``message``.

        Raises:
            NtlmError: the session cannot sign (anonymous, no extended session security).
        """
        return self._direction(True, False).mac(bytes(message), self._key_exch)

    def verify(self, message: bytes, signature: bytes) -> None:
        """Check the signature of the client's next message.

        Raises:
            NtlmError: ``"bad signature ..."`` (wrong length, version, sequence number or
                checksum), or the session cannot sign.
        """
        direction = self._direction(False, False)
        if len(signature) != 16:
            raise NtlmError(f"bad signature: {len(signature)} octets, expected 16")
        expected_seq = direction.seq
        wanted = direction.mac(bytes(message), self._key_exch)
        version, seq = struct.unpack_from("<I", signature)[0], signature[12:]
        if version != 1:
            raise NtlmError(f"bad signature: Version {version}, expected 1")
        if seq != wanted[12:]:
            got = struct.unpack("<I", seq)[0]
            raise NtlmError(f"bad signature: SeqNum {got}, expected {expected_seq}")
        if not hmac.compare_digest(wanted, bytes(signature)):
            raise NtlmError(f"bad signature: checksum does not match (SeqNum {expected_seq})")

    def seal(self, plaintext: bytes, to_sign: bytes) -> tuple[bytes, bytes]:
        """``(ciphertext, signature)``: ``plaintext`` encrypted for the client, then the
        signature of ``to_sign`` (which holds the plaintext in clear).

        Raises:
            NtlmError: sealing was not negotiated, or the session cannot sign.
        """
        direction = self._direction(True, True)
        ciphertext = direction.handle.encrypt(bytes(plaintext))
        return ciphertext, direction.mac(bytes(to_sign), self._key_exch)

    def unseal(self, ciphertext: bytes) -> bytes:
        """Decrypt the client's next sealed message; then ``verify`` it with the plaintext.

        Raises:
            NtlmError: sealing was not negotiated, or the session cannot sign.
        """
        return self._direction(False, True).handle.encrypt(bytes(ciphertext))


@attrs.frozen
class _Pending:
    negotiate: bytes
    challenge: bytes
    server_challenge: bytes
    flags: int


class NtlmServer:
    """The server side of one NTLM exchange at a time (make one per connection).

    Args:
        accounts: user name (matched case-insensitively) -> password.
        target: NetBIOS name given as domain and computer in the CHALLENGE_MESSAGE.
        challenge: source of 8-octet server challenges.
        now: the current time as a FILETIME; when given, the target info carries
            MsvAvTimestamp (which makes Windows and Samba clients send a MIC).
    """

    def __init__(
        self,
        accounts: Mapping[str, str],
        *,
        target: str = "SPOOLSIM",
        challenge: Callable[[], bytes] = lambda: os.urandom(8),
        now: Callable[[], int] | None = None,
    ) -> None:
        if not target or not target.isascii() or len(target) > 15:
            raise ValueError(f"target {target!r} is not a NetBIOS name (1-15 ASCII characters)")
        self._accounts = {name.upper(): password for name, password in accounts.items()}
        self._target = target
        self._make_challenge = challenge
        self._now = now
        self._pending: _Pending | None = None

    def challenge(self, negotiate: bytes) -> bytes:
        """Answer a NEGOTIATE_MESSAGE with a CHALLENGE_MESSAGE (and start a new exchange).

        Raises:
            NtlmError: the message is malformed, or asks to sign or seal without extended
                session security.
        """
        negotiate = bytes(negotiate)
        self._pending = None
        _check_header(negotiate, NEGOTIATE_MESSAGE, 32, "NEGOTIATE_MESSAGE")
        (asked,) = struct.unpack_from("<I", negotiate, 12)
        _field(negotiate, 16, "DomainNameFields")
        _field(negotiate, 24, "WorkstationFields")
        if asked & _PROTECT and not asked & _ESS:
            raise NtlmError("NEGOTIATE_MESSAGE: signing or sealing needs EXTENDED_SESSIONSECURITY")
        flags = (asked & _ECHOED) | _ALWAYS
        unicode = bool(asked & _F.NTLMSSP_NEGOTIATE_UNICODE)
        flags |= _F.NTLMSSP_NEGOTIATE_UNICODE if unicode else _F.NTLM_NEGOTIATE_OEM
        server_challenge = self._make_challenge()
        if len(server_challenge) != 8:
            raise ValueError(f"challenge() gave {len(server_challenge)} octets, not 8")
        name = self._target.encode("utf-16-le")
        dns = self._target.lower().encode("utf-16-le")
        info = _av(AvId.MsvAvNbDomainName, name) + _av(AvId.MsvAvNbComputerName, name)
        info += _av(AvId.MsvAvDnsDomainName, dns) + _av(AvId.MsvAvDnsComputerName, dns)
        if self._now is not None:
            info += _av(AvId.MsvAvTimestamp, struct.pack("<Q", self._now()))
        info += _av(AvId.MsvAvEOL, b"")
        target_name = name if unicode else self._target.encode("ascii")
        payload_at = 56  # fixed fields, Version included (zero unless negotiated)
        message = (
            SIGNATURE
            + struct.pack("<IHHII", CHALLENGE_MESSAGE, len(target_name), len(target_name),
                          payload_at, flags)
            + server_challenge
            + bytes(8)
            + struct.pack("<HHI", len(info), len(info), payload_at + len(target_name))
            + (OUR_VERSION if flags & _F.NTLMSSP_NEGOTIATE_VERSION else bytes(8))
            + target_name
            + info
        )  # fmt: skip
        self._pending = _Pending(negotiate, message, server_challenge, flags)
        return message

    def _password(self, user: str, domain: str) -> str | None:
        name = user.upper()
        if name not in self._accounts and not domain and "@" in name:
            name = name.rpartition("@")[0]  # a UPN, user@realm, sent with an empty domain
        return self._accounts.get(name)

    def authenticate(self, message: bytes) -> NtlmSecurity:
        """Check an AUTHENTICATE_MESSAGE against the last challenge; ends the exchange.

        Returns:
            The session, anonymous or with keys derived for signing and sealing.

        Raises:
            NtlmError: no challenge is pending, the message is malformed, the response is
                NTLMv1, the user or password is wrong, or the MIC does not match.
        """
        message = bytes(message)
        pending, self._pending = self._pending, None
        if pending is None:
            raise NtlmError("AUTHENTICATE_MESSAGE without a NEGOTIATE_MESSAGE before it")
        _check_header(message, AUTHENTICATE_MESSAGE, 64, "AUTHENTICATE_MESSAGE")
        lm = _field(message, 12, "LmChallengeResponse")
        nt = _field(message, 20, "NtChallengeResponse")
        raw_domain = _field(message, 28, "DomainName")
        raw_user = _field(message, 36, "UserName")
        _field(message, 44, "Workstation")
        encrypted_key = _field(message, 52, "EncryptedRandomSessionKey")
        (sent_flags,) = struct.unpack_from("<I", message, 60)
        flags = _F(sent_flags & pending.flags)
        unicode = bool(sent_flags & _F.NTLMSSP_NEGOTIATE_UNICODE)
        domain = _text(raw_domain, unicode, "DomainName")
        user = _text(raw_user, unicode, "UserName")
        if flags & _PROTECT and not flags & _ESS:
            raise NtlmError("NegotiateFlags: signing or sealing needs EXTENDED_SESSIONSECURITY")
        if not user and not nt and lm in (b"", b"\x00"):
            return NtlmSecurity(user="", domain=domain, anonymous=True, flags=flags)
        if len(nt) == 24:
            raise NtlmError(f"NTLMv1 response from user {user!r} refused; only NTLMv2 is accepted")
        if len(nt) < 48:
            raise NtlmError(f"NtChallengeResponse is {len(nt)} octets, too short for NTLMv2")
        client_info = _av_pairs(nt[44:], "NtChallengeResponse")
        refused = NtlmError(f"wrong password or unknown user {user!r}")
        password = self._password(user, domain)
        if password is None:
            raise refused
        proof, session_key = ntlmv2_proof(
            ntowfv2(password, user, domain), pending.server_challenge, nt[16:]
        )
        if not hmac.compare_digest(proof, nt[:16]):
            raise refused
        if flags & _F.NTLMSSP_NEGOTIATE_KEY_EXCH:
            if len(encrypted_key) != 16:
                raise NtlmError(f"EncryptedRandomSessionKey is {len(encrypted_key)} octets, not 16")
            session_key = ARC4.new(session_key).decrypt(encrypted_key)
        av_flags = client_info.get(AvId.MsvAvFlags)
        if av_flags is not None and len(av_flags) != 4:
            raise NtlmError(f"NtChallengeResponse: MsvAvFlags is {len(av_flags)} octets, not 4")
        if av_flags is not None and struct.unpack("<I", av_flags)[0] & MIC_FLAG:
            if len(message) < 88:
                raise NtlmError(f"MIC: the {len(message)}-octet message cannot hold one")
            unsigned = message[:72] + bytes(16) + message[88:]
            mic = _hmac_md5(session_key, pending.negotiate + pending.challenge + unsigned)
            if not hmac.compare_digest(mic, message[72:88]):
                raise NtlmError("MIC does not match the NEGOTIATE, CHALLENGE and AUTHENTICATE")
        ways = (b"server-to-client", b"client-to-server") if flags & _ESS else ()
        keys = [_Direction.derive(session_key, flags, way) for way in ways] or [None, None]
        return NtlmSecurity(user, domain, False, flags, session_key, *keys)
