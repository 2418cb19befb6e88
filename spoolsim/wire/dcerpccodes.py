"""Numbers of connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2) used by ``dcerpc``.

Sources checked: Samba ``librpc/idl/dcerpc.idl`` (packet types, fault codes, bind_ack results and
reasons, bind_nak reasons, ``DCERPC_AUTH_PAD_ALIGNMENT = 16``), impacket
``dcerpc/v5/rpcrt.py`` (same numbers, flag names) and Wireshark ``packet-dcerpc.c``
(``nca_s_fault_ndr`` = 0x6F7).
"""

from __future__ import annotations

import uuid

# Packet types (PTYPE).  1 and 4-10 are connectionless only; 16 (auth3) is MS-RPCE, 20 (rts)
# is RPC over HTTP and not handled here.
REQUEST = 0
RESPONSE = 2
FAULT = 3
BIND = 11
BIND_ACK = 12
BIND_NAK = 13
ALTER_CONTEXT = 14
ALTER_CONTEXT_RESP = 15
AUTH3 = 16
SHUTDOWN = 17
CO_CANCEL = 18
ORPHANED = 19

# pfc_flags.  0x04 means PFC_SUPPORT_HEADER_SIGN in bind/bind_ack/alter_context(_resp)
# (MS-RPCE) and PFC_PENDING_CANCEL elsewhere.
PFC_FIRST_FRAG = 0x01
PFC_LAST_FRAG = 0x02
PFC_PENDING_CANCEL = 0x04
PFC_SUPPORT_HEADER_SIGN = 0x04
PFC_RESERVED_1 = 0x08
PFC_CONC_MPX = 0x10
PFC_DID_NOT_EXECUTE = 0x20
PFC_MAYBE = 0x40
PFC_OBJECT_UUID = 0x80
PFC_WHOLE = PFC_FIRST_FRAG | PFC_LAST_FRAG

RPC_VERS = 5
DREP_LE_ASCII_IEEE = b"\x10\x00\x00\x00"
HEADER_LEN = 16
SEC_TRAILER_LEN = 8
AUTH_PAD_ALIGNMENT = 16  # Samba's stub chunk and auth pad alignment
MAX_REQUEST_SIZE = 4 * 1024 * 1024  # MS-RPCE: combined request stub SHOULD NOT exceed 4 MB

# Presentation syntaxes: (uuid, major, minor).
NDR = (uuid.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0)
NDR64 = (uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36"), 1, 0)
MS_PAR = (uuid.UUID("76f03f96-cdfd-44fc-a22c-64950a001209"), 1, 0)
MS_RPRN = (uuid.UUID("12345678-1234-abcd-ef00-0123456789ab"), 1, 0)

# Bind-time feature negotiation (MS-RPCE 3.3.1.5.3): a transfer syntax whose first 8 bytes are
# 6cb71c2c-9812-4540 and whose bytes 8..15 (little-endian) carry the feature bits, version 1;
# Windows offers 6cb71c2c-9812-4540-0300-000000000000 (both bits). The bind_ack answers with
# result NEGOTIATE_ACK and the accepted bits in the reason field.
BTFN_PREFIX = uuid.UUID("6cb71c2c-9812-4540-0000-000000000000").bytes_le[:8]
BTFN_SECURITY_CONTEXT_MULTIPLEXING = 0x0001
BTFN_KEEP_CONNECTION_ON_ORPHAN = 0x0002


def btfn_syntax(features: int) -> tuple[uuid.UUID, int, int]:
    """The bind-time feature negotiation transfer syntax offering ``features``."""
    return (uuid.UUID(bytes_le=BTFN_PREFIX + features.to_bytes(8, "little")), 1, 0)


def btfn_features(syntax_uuid: uuid.UUID) -> int | None:
    """The feature bits a transfer syntax offers, or None when it is not a BTFN syntax."""
    raw = syntax_uuid.bytes_le
    return int.from_bytes(raw[8:], "little") if raw[:8] == BTFN_PREFIX else None


# p_cont_def_result_t (bind_ack results) and p_provider_reason_t.
ACCEPTANCE = 0
USER_REJECTION = 1
PROVIDER_REJECTION = 2
NEGOTIATE_ACK = 3  # MS-RPCE, answers a BTFN syntax
REASON_NOT_SPECIFIED = 0
ABSTRACT_SYNTAX_NOT_SUPPORTED = 1
PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED = 2
LOCAL_LIMIT_EXCEEDED = 3

# p_reject_reason_t (bind_nak).
NAK_REASON_NOT_SPECIFIED = 0
NAK_TEMPORARY_CONGESTION = 1
NAK_LOCAL_LIMIT_EXCEEDED = 2
NAK_PROTOCOL_VERSION_NOT_SUPPORTED = 4
NAK_INVALID_AUTH_TYPE = 8  # MS-RPCE
NAK_INVALID_CHECKSUM = 9  # MS-RPCE

# Fault status codes.
NCA_S_FAULT_ACCESS_DENIED = 0x00000005
NCA_S_FAULT_CANT_PERFORM = 0x000006D8
NCA_S_FAULT_NDR = 0x000006F7  # RPC_X_BAD_STUB_DATA
NCA_S_OP_RNG_ERROR = 0x1C010002
NCA_S_UNK_IF = 0x1C010003
NCA_S_PROTO_ERROR = 0x1C01000B
NCA_S_FAULT_CONTEXT_MISMATCH = 0x1C00001A
NCA_S_INVALID_PRES_CONTEXT_ID = 0x1C00001C
NCA_S_SERVER_TOO_BUSY = 0x1C010014
NCA_S_FAULT_SEC_PKG_ERROR = 0x00000721  # a verifier that does not check (Samba's choice too)
MUST_RECV_FRAG_SIZE = 1432  # C706 12.6.3.1: no peer may offer fragments smaller than this

# sec_trailer auth_type and auth_level.
AUTHN_NONE = 0
AUTHN_GSS_NEGOTIATE = 9
AUTHN_WINNT = 10  # NTLM
AUTHN_GSS_KERBEROS = 16
AUTHN_LEVEL_NONE = 1
AUTHN_LEVEL_CONNECT = 2
AUTHN_LEVEL_CALL = 3
AUTHN_LEVEL_PKT = 4
AUTHN_LEVEL_PKT_INTEGRITY = 5
AUTHN_LEVEL_PKT_PRIVACY = 6
