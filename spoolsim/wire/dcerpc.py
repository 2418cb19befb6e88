"""Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2) as a sans-I/O codec.

Theory of operation
===================

A PDU is a 16-byte common header (version 5.0 or 5.1, packet type, ``pfc_flags``, data
representation, ``frag_length``, ``auth_length``, ``call_id``), a body whose layout depends on
the type, and, when ``auth_length`` is non-zero, a verifier at the very end: zero to 255 pad
octets (``auth_pad_length``), the 8-byte ``sec_trailer``, then ``auth_length`` octets of
credentials.  Each type is a frozen attrs class with ``encode() -> bytes``; :func:`decode`
turns one whole PDU back into its class.  The header fields every PDU shares are keyword
arguments with defaults (``call_id`` 0, ``flags`` FIRST|LAST, ``rpc_vers_minor`` 0, no
``auth``).  The verifier stays raw (:class:`AuthVerifier`) for a later NTLM layer.  UUIDs
travel in the DCE mixed-endian layout (``uuid.UUID(bytes_le=...)``).  Only little-endian,
ASCII, IEEE data representation (``10 00 00 00``) is accepted: Windows never sends another.

Streams are ``spoolsim.wire.dcerpcstream``'s: reading PDUs out of TCP chunks, joining a call's
fragments (FIRST_FRAG on the first, LAST_FRAG on the last, one ``call_id``) and splitting a
stub into fragments. Every fragment but the last carries a multiple of 16 stub octets (Samba's
server does this; the receiver only concatenates, so the choice keeps NDR and auth padding
aligned), and ``alloc_hint`` counts the stub octets still to come, this fragment included.

:class:`DceRpcError` says whose fault a failure is: ``remote=True`` for the peer's bytes (the
detail names the field and value; ``reply`` is the encoded PDU a server writes before closing,
a bind_nak for bind/alter_context, else a fault with ``nca_s_proto_error``), ``remote=False``
for our misuse.  Decoding raises nothing else, whatever the input.
"""

from __future__ import annotations

import struct
import uuid
from typing import ClassVar

import attrs

from spoolsim.wire import dcerpccodes as c


class DceRpcError(Exception):
    """A broken PDU or call: ``remote`` (the peer's fault, else ours), ``detail`` (names the
    field), ``reply`` (encoded PDU a server sends before closing, or None)."""

    def __init__(self, detail: str, *, remote: bool, reply: bytes | None = None) -> None:
        super().__init__(detail)
        self.detail, self.remote, self.reply = detail, remote, reply


@attrs.frozen
class SyntaxId:  # p_syntax_id_t: interface or transfer syntax UUID and version
    uuid: uuid.UUID
    major: int
    minor: int = 0


@attrs.frozen
class ContextElem:  # p_cont_elem_t, proposed in bind / alter_context
    context_id: int
    abstract_syntax: SyntaxId
    transfer_syntaxes: tuple[SyntaxId, ...]


@attrs.frozen
class ContextResult:  # p_result_t, answered in bind_ack / alter_context_resp
    result: int
    reason: int
    transfer_syntax: SyntaxId


@attrs.frozen
class AuthVerifier:  # sec_trailer + credentials; pad_length zero octets go before it
    auth_type: int
    auth_level: int
    context_id: int = 0
    value: bytes = b""
    pad_length: int = 0
    reserved: int = 0


_NIL = SyntaxId(uuid.UUID(int=0), 0)


@attrs.frozen(kw_only=True)
class _Pdu:
    PTYPE: ClassVar[int]
    call_id: int = 0
    flags: int = c.PFC_WHOLE
    rpc_vers_minor: int = 0
    auth: AuthVerifier | None = None

    def encode(self) -> bytes:
        name = type(self).__name__
        try:
            body, flags = self._body(), self.flags
            if isinstance(self, Request):
                flags = (flags & ~c.PFC_OBJECT_UUID) | (c.PFC_OBJECT_UUID if self.object else 0)
            auth_len = 0
            if self.auth is not None:
                a = self.auth
                if not a.value:
                    raise ValueError("auth.value is empty (auth_length 0 means no verifier)")
                body += bytes(a.pad_length) + struct.pack(
                    "<BBBBI", a.auth_type, a.auth_level, a.pad_length, a.reserved, a.context_id
                )
                body += a.value
                auth_len = len(a.value)
            header = struct.pack(
                "<BBBB4sHHI", c.RPC_VERS, self.rpc_vers_minor, self.PTYPE, flags,
                c.DREP_LE_ASCII_IEEE, c.HEADER_LEN + len(body), auth_len, self.call_id,
            )  # fmt: skip
        except (struct.error, ValueError, UnicodeError) as exc:
            raise DceRpcError(f"{name}: cannot encode: {exc}", remote=False) from None
        return header + body

    def _body(self) -> bytes:
        return b""

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        return {}


def _syntax(s: SyntaxId) -> bytes:
    return s.uuid.bytes_le + struct.pack("<HH", s.major, s.minor)


@attrs.frozen(kw_only=True)
class Request(_Pdu):
    PTYPE = c.REQUEST
    opnum: int
    context_id: int = 0
    alloc_hint: int = 0
    object: uuid.UUID | None = None  # sets PFC_OBJECT_UUID; never kept in ``flags``
    stub: bytes = b""

    def _body(self) -> bytes:
        obj = self.object.bytes_le if self.object else b""
        return struct.pack("<IHH", self.alloc_hint, self.context_id, self.opnum) + obj + self.stub

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        alloc_hint, context_id, opnum = cur.unpack("<IHH", "request header")
        obj = uuid.UUID(bytes_le=cur.take(16, "object")) if flags & c.PFC_OBJECT_UUID else None
        return dict(alloc_hint=alloc_hint, context_id=context_id, opnum=opnum, object=obj,
                    stub=cur.rest(), flags=flags & ~c.PFC_OBJECT_UUID)  # fmt: skip


@attrs.frozen(kw_only=True)
class Response(_Pdu):
    PTYPE = c.RESPONSE
    context_id: int = 0
    alloc_hint: int = 0
    cancel_count: int = 0
    stub: bytes = b""

    def _body(self) -> bytes:
        head = struct.pack("<IHBx", self.alloc_hint, self.context_id, self.cancel_count)
        return head + self.stub

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        alloc_hint, context_id, cancel_count = cur.unpack("<IHBx", "response header")
        return dict(alloc_hint=alloc_hint, context_id=context_id, cancel_count=cancel_count,
                    stub=cur.rest())  # fmt: skip


@attrs.frozen(kw_only=True)
class Fault(_Pdu):  # trailing octets (MS-RPCE extended error info) are ignored
    PTYPE = c.FAULT
    status: int
    context_id: int = 0
    alloc_hint: int = 0
    cancel_count: int = 0
    fault_flags: int = 0  # C706's reserved octet; MS-RPCE 0x01 = extended error info follows

    def _body(self) -> bytes:
        return struct.pack("<IHBBI4x", self.alloc_hint, self.context_id, self.cancel_count,
                           self.fault_flags, self.status)  # fmt: skip

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        hint, ctx, cancels, fflags, status = cur.unpack("<IHBBI4x", "fault body")
        cur.pos = cur.end
        return dict(alloc_hint=hint, context_id=ctx, cancel_count=cancels, fault_flags=fflags,
                    status=status)  # fmt: skip


@attrs.frozen(kw_only=True)
class _BindLike(_Pdu):
    max_xmit_frag: int = 5840
    max_recv_frag: int = 5840
    assoc_group_id: int = 0
    contexts: tuple[ContextElem, ...] = ()

    def _body(self) -> bytes:
        out = struct.pack("<HHIB3x", self.max_xmit_frag, self.max_recv_frag,
                          self.assoc_group_id, len(self.contexts))  # fmt: skip
        for e in self.contexts:
            out += struct.pack("<HBx", e.context_id, len(e.transfer_syntaxes))
            out += _syntax(e.abstract_syntax) + b"".join(map(_syntax, e.transfer_syntaxes))
        return out

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        xmit, recv, group, n = cur.unpack("<HHIB3x", "bind header")
        contexts = []
        for i in range(n):
            where = f"p_cont_elem[{i}]"
            ctx, n_ts = cur.unpack("<HBx", where)
            abstract = cur.syntax(f"{where}.abstract_syntax")
            ts = tuple(cur.syntax(f"{where}.transfer_syntaxes[{j}]") for j in range(n_ts))
            contexts.append(ContextElem(ctx, abstract, ts))
        return dict(max_xmit_frag=xmit, max_recv_frag=recv, assoc_group_id=group,
                    contexts=tuple(contexts))  # fmt: skip


@attrs.frozen(kw_only=True)
class Bind(_BindLike):
    PTYPE = c.BIND


@attrs.frozen(kw_only=True)
class AlterContext(_BindLike):
    PTYPE = c.ALTER_CONTEXT


@attrs.frozen(kw_only=True)
class _BindAckLike(_Pdu):
    max_xmit_frag: int = 5840
    max_recv_frag: int = 5840
    assoc_group_id: int = 0
    secondary_address: str = ""  # port_spec, e.g. "\\PIPE\\spoolss"; "" is sent as length 0
    results: tuple[ContextResult, ...] = ()

    def _body(self) -> bytes:
        addr = self.secondary_address.encode("latin-1")
        if b"\0" in addr:
            raise ValueError("secondary_address holds a NUL")
        addr += b"\0" if addr else b""
        out = struct.pack("<HHIH", self.max_xmit_frag, self.max_recv_frag,
                          self.assoc_group_id, len(addr)) + addr  # fmt: skip
        out += bytes(-(c.HEADER_LEN + len(out)) % 4) + struct.pack("<B3x", len(self.results))
        for r in self.results:
            out += struct.pack("<HH", r.result, r.reason) + _syntax(r.transfer_syntax)
        return out

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        xmit, recv, group, length = cur.unpack("<HHIH", "bind_ack header")
        raw = cur.take(length, "sec_addr")
        if raw and raw[-1] != 0:
            raise cur.error(f"sec_addr: {raw!r} is not NUL-terminated")
        if b"\0" in raw[:-1]:
            raise cur.error(f"sec_addr: {raw!r} holds a NUL before its end")
        cur.take(-cur.pos % 4, "sec_addr alignment padding")
        (n,) = cur.unpack("<B3x", "n_results")
        results = []
        for i in range(n):
            result, reason = cur.unpack("<HH", f"p_results[{i}]")
            results.append(ContextResult(result, reason, cur.syntax(f"p_results[{i}]")))
        address = raw[:-1].decode("latin-1")
        return dict(max_xmit_frag=xmit, max_recv_frag=recv, assoc_group_id=group,
                    secondary_address=address, results=tuple(results))  # fmt: skip


@attrs.frozen(kw_only=True)
class BindAck(_BindAckLike):
    PTYPE = c.BIND_ACK


@attrs.frozen(kw_only=True)
class AlterContextResp(_BindAckLike):
    PTYPE = c.ALTER_CONTEXT_RESP


@attrs.frozen(kw_only=True)
class BindNak(_Pdu):  # padded to 4 octets on encode; trailing octets ignored on decode
    PTYPE = c.BIND_NAK
    reason: int = c.NAK_REASON_NOT_SPECIFIED
    versions: tuple[tuple[int, int], ...] = ((c.RPC_VERS, 0),)

    def _body(self) -> bytes:
        out = struct.pack("<HB", self.reason, len(self.versions))
        out += b"".join(struct.pack("<BB", *v) for v in self.versions)
        return out + bytes(-len(out) % 4)

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        reason, n = cur.unpack("<HB", "bind_nak header")
        versions = tuple(cur.unpack("<BB", f"p_protocols[{i}]") for i in range(n))
        cur.pos = cur.end
        return dict(reason=reason, versions=versions)


@attrs.frozen(kw_only=True)
class Auth3(_Pdu):  # MS-RPCE: third leg of a three-way authentication; 4 pad octets
    PTYPE = c.AUTH3

    def _body(self) -> bytes:
        return bytes(4)

    @classmethod
    def _parse(cls, cur: _Cursor, flags: int) -> dict[str, object]:
        cur.take(4, "auth3 padding")
        return {}


@attrs.frozen(kw_only=True)
class Shutdown(_Pdu):
    PTYPE = c.SHUTDOWN


@attrs.frozen(kw_only=True)
class CoCancel(_Pdu):
    PTYPE = c.CO_CANCEL


@attrs.frozen(kw_only=True)
class Orphaned(_Pdu):
    PTYPE = c.ORPHANED


Pdu = (
    Request | Response | Fault | Bind | AlterContext | BindAck | AlterContextResp | BindNak
    | Auth3 | Shutdown | CoCancel | Orphaned
)  # fmt: skip
_CLASSES: dict[int, type[_Pdu]] = {
    cls.PTYPE: cls
    for cls in (Request, Response, Fault, Bind, AlterContext, BindAck, AlterContextResp,
                BindNak, Auth3, Shutdown, CoCancel, Orphaned)
}  # fmt: skip
_NAMES = {ptype: cls.__name__ for ptype, cls in _CLASSES.items()}


@attrs.frozen
class Header:
    """The common header, readable once 16 octets are in."""

    rpc_vers_minor: int
    ptype: int
    flags: int
    frag_length: int
    auth_length: int
    call_id: int


def _reply_for(ptype: int, call_id: int, *, version: bool = False) -> bytes:
    if ptype in (c.BIND, c.ALTER_CONTEXT):
        reason = c.NAK_PROTOCOL_VERSION_NOT_SUPPORTED if version else c.NAK_REASON_NOT_SPECIFIED
        return BindNak(call_id=call_id, reason=reason).encode()
    flags = c.PFC_WHOLE | c.PFC_DID_NOT_EXECUTE
    return Fault(call_id=call_id, flags=flags, status=c.NCA_S_PROTO_ERROR).encode()


def parse_header(data: bytes, *, max_frag: int = 0xFFFF) -> Header:
    """Check and read the first 16 octets of a PDU (``data`` may hold more)."""
    if len(data) < c.HEADER_LEN:
        raise DceRpcError(f"header: {len(data)} octets, need {c.HEADER_LEN}", remote=True)
    vers, minor, ptype, flags, drep, frag, auth_len, call_id = struct.unpack_from(
        "<BBBB4sHHI", data
    )

    def bad(detail: str, *, version: bool = False) -> DceRpcError:
        return DceRpcError(detail, remote=True, reply=_reply_for(ptype, call_id, version=version))

    if vers != c.RPC_VERS or minor not in (0, 1):
        raise bad(f"rpc_vers: {vers}.{minor} is not 5.0 or 5.1", version=True)
    if ptype not in _CLASSES:
        raise bad(f"PTYPE: {ptype} is not a connection-oriented packet type")
    if drep[0] & 0xF0 != 0x10:
        raise bad(f"drep: {drep.hex()} is big-endian; only little-endian (10000000) is supported")
    if drep[0] & 0x0F or drep[1]:
        raise bad(f"drep: {drep.hex()} is not ASCII characters with IEEE floats")
    if frag < c.HEADER_LEN:
        raise bad(f"frag_length: {frag} is smaller than the {c.HEADER_LEN}-octet header")
    if frag > max_frag:
        raise bad(f"frag_length: {frag} exceeds the maximum of {max_frag}")
    if auth_len and c.HEADER_LEN + c.SEC_TRAILER_LEN + auth_len > frag:
        raise bad(f"auth_length: {auth_len} plus the sec_trailer does not fit frag_length {frag}")
    return Header(minor, ptype, flags, frag, auth_len, call_id)


class _Cursor:
    """Reads one PDU's body; offsets count from the start of the PDU (alignment is relative
    to it)."""

    def __init__(self, data: bytes, pos: int, end: int, hdr: Header) -> None:
        self.data, self.pos, self.end, self.hdr = data, pos, end, hdr

    def error(self, detail: str) -> DceRpcError:
        name = _NAMES[self.hdr.ptype]
        reply = _reply_for(self.hdr.ptype, self.hdr.call_id)
        return DceRpcError(f"{name}: {detail}", remote=True, reply=reply)

    def take(self, n: int, field: str) -> bytes:
        if self.pos + n > self.end:
            left = self.end - self.pos
            raise self.error(f"{field}: needs {n} octets, only {left} left in frag_length")
        self.pos += n
        return self.data[self.pos - n : self.pos]

    def unpack(self, fmt: str, field: str) -> tuple:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), field))

    def syntax(self, field: str) -> SyntaxId:
        raw = self.take(20, field)
        return SyntaxId(uuid.UUID(bytes_le=raw[:16]), *struct.unpack("<HH", raw[16:]))

    def rest(self) -> bytes:
        out, self.pos = self.data[self.pos : self.end], self.end
        return out


def decode(data: bytes, *, max_frag: int = 0xFFFF) -> Pdu:
    """One whole PDU (``len(data) == frag_length``) back into its class."""
    hdr = parse_header(data, max_frag=max_frag)
    if len(data) != hdr.frag_length:
        raise DceRpcError(
            f"frag_length: {hdr.frag_length} but the PDU has {len(data)} octets",
            remote=True, reply=_reply_for(hdr.ptype, hdr.call_id),
        )  # fmt: skip
    cur, end, auth = _Cursor(data, c.HEADER_LEN, hdr.frag_length, hdr), hdr.frag_length, None
    if hdr.auth_length:
        trailer = end - hdr.auth_length - c.SEC_TRAILER_LEN
        a_type, level, pad, reserved, ctx = struct.unpack_from("<BBBBI", data, trailer)
        if trailer - pad < c.HEADER_LEN:
            raise cur.error(f"auth_pad_length: {pad} reaches back into the header")
        auth = AuthVerifier(a_type, level, ctx, data[trailer + c.SEC_TRAILER_LEN :], pad, reserved)
        cur.end = trailer - pad
    cls = _CLASSES[hdr.ptype]
    fields = {"flags": hdr.flags, **cls._parse(cur, hdr.flags)}
    if cur.pos != cur.end:
        raise cur.error(f"{cur.end - cur.pos} unexpected octets after the body")
    return cls(call_id=hdr.call_id, rpc_vers_minor=hdr.rpc_vers_minor, auth=auth, **fields)
