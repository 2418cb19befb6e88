"""Connection-oriented DCE/RPC over a byte stream: PDUs out of TCP, calls out of fragments.

TCP carries PDUs back to back with no other framing. :class:`PduReader` takes chunks of any size
and hands out one whole PDU per ``next_event`` (decoded by :func:`spoolsim.wire.dcerpc.decode`),
checking the header as soon as its 16 octets are in, so a lying ``frag_length`` fails before
anything is buffered for it. :class:`Reassembler` joins a call's request (or response)
fragments, one call at a time, up to a size limit; :func:`fragment` splits a stub so that no PDU
exceeds the peer's ``max_recv_frag``. The codec's module docstring says how fragments are
aligned and what an error carries.
"""

from __future__ import annotations

import attrs

from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import DceRpcError, Fault, Pdu, Request, Response, decode, parse_header


@attrs.frozen
class ConnectionClosed:  # the peer closed cleanly, between PDUs
    pass


class _Sentinel:
    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _Sentinel()


class PduReader:
    """Splits a byte stream into PDUs.  ``receive_data(b"")`` means the peer closed."""

    def __init__(self, *, max_frag: int = 0xFFFF) -> None:
        self.max_frag = max_frag
        self.last_frame = b""  # the octets of the PDU ``next_event`` returned last (auth MACs)
        self._buf = bytearray()
        self._closed = False
        self._dead: DceRpcError | None = None

    def receive_data(self, data: bytes) -> None:
        if self._closed and data:
            raise DceRpcError("receive_data after the end of the stream", remote=False)
        self._closed = self._closed or not data
        self._buf += data

    def next_event(self) -> Pdu | ConnectionClosed | _Sentinel:
        if self._dead is not None:
            raise DceRpcError(f"reader is dead after: {self._dead.detail}", remote=False)
        try:
            return self._next()
        except DceRpcError as exc:
            self._dead = exc
            raise

    def _next(self) -> Pdu | ConnectionClosed | _Sentinel:
        have = len(self._buf)
        if have < c.HEADER_LEN:
            if not self._closed:
                return NEED_DATA
            if have:
                raise DceRpcError(f"header: stream ended after {have} of 16 octets", remote=True)
            return ConnectionClosed()
        hdr = parse_header(bytes(self._buf[: c.HEADER_LEN]), max_frag=self.max_frag)
        if have < hdr.frag_length:
            if not self._closed:
                return NEED_DATA
            raise DceRpcError(
                f"frag_length: {hdr.frag_length} but the stream ended after {have} octets",
                remote=True,
            )
        frame = bytes(self._buf[: hdr.frag_length])
        del self._buf[: hdr.frag_length]
        pdu = decode(frame, max_frag=self.max_frag)
        self.last_frame = frame
        return pdu


class Reassembler:
    """Joins the fragments of one request (or response) call at a time."""

    def __init__(self, *, max_size: int = c.MAX_REQUEST_SIZE) -> None:
        self.max_size = max_size
        self._first: Request | Response | None = None
        self._parts: list[bytes] = []
        self._size = 0

    def add(self, pdu: Request | Response) -> Request | Response | None:
        """The whole call once ``pdu`` carries LAST_FRAG, else None."""
        if not isinstance(pdu, Request | Response):
            raise DceRpcError(f"{type(pdu).__name__} is not a request or response", remote=False)

        def bad(detail: str, status: int = c.NCA_S_PROTO_ERROR) -> DceRpcError:
            self._first, self._parts, self._size = None, [], 0
            reply = Fault(call_id=pdu.call_id, context_id=pdu.context_id, status=status)
            return DceRpcError(detail, remote=True, reply=reply.encode())

        first = self._first
        if first is None:
            if not pdu.flags & c.PFC_FIRST_FRAG:
                raise bad(f"pfc_flags: call_id {pdu.call_id} starts without PFC_FIRST_FRAG")
            if pdu.flags & c.PFC_LAST_FRAG:
                return pdu
            if pdu.alloc_hint > self.max_size:
                limit = f"alloc_hint: {pdu.alloc_hint} exceeds the limit of {self.max_size}"
                raise bad(limit, c.NCA_S_FAULT_ACCESS_DENIED)
            self._first, first = pdu, pdu
        elif pdu.flags & c.PFC_FIRST_FRAG:
            raise bad(f"pfc_flags: PFC_FIRST_FRAG again while call_id {first.call_id} is open")
        elif pdu.call_id != first.call_id or type(pdu) is not type(first):
            got = f"{type(pdu).__name__} call_id {pdu.call_id}"
            raise bad(f"call_id: {got} interleaves {type(first).__name__} {first.call_id}")
        elif isinstance(pdu, Request) and isinstance(first, Request) and pdu.opnum != first.opnum:
            raise bad(f"opnum: fragment says {pdu.opnum}, call_id {first.call_id} {first.opnum}")
        self._size += len(pdu.stub)
        if self._size > self.max_size:
            limit = f"stub: call_id {first.call_id} exceeds the limit of {self.max_size} octets"
            raise bad(limit, c.NCA_S_FAULT_ACCESS_DENIED)
        self._parts.append(pdu.stub)
        if not pdu.flags & c.PFC_LAST_FRAG:
            return None
        stub = b"".join(self._parts)
        self._first, self._parts, self._size = None, [], 0
        flags = first.flags | c.PFC_LAST_FRAG
        return attrs.evolve(first, flags=flags, stub=stub, alloc_hint=len(stub), auth=None)


def fragment(
    pdu: Request | Response, max_xmit_frag: int, *, align: int = c.AUTH_PAD_ALIGNMENT
) -> list[Request | Response]:
    """Split ``pdu``'s stub so no PDU exceeds ``max_xmit_frag`` octets (no verifier)."""
    if pdu.auth is not None:
        raise DceRpcError("fragment: a PDU with a verifier is the auth layer's", remote=False)
    head = len(attrs.evolve(pdu, stub=b"").encode())
    room = max_xmit_frag - head
    room -= room % align
    if room <= 0:
        raise DceRpcError(f"max_xmit_frag: {max_xmit_frag} leaves no room for stub", remote=False)
    stub, flags = pdu.stub, pdu.flags & ~c.PFC_WHOLE
    starts = range(0, max(len(stub), 1), room)
    return [
        attrs.evolve(
            pdu,
            flags=flags | (c.PFC_FIRST_FRAG if at == 0 else 0)
            | (c.PFC_LAST_FRAG if at + room >= len(stub) else 0),
            alloc_hint=len(stub) - at,
            stub=stub[at : at + room],
        )
        for at in starts
    ]  # fmt: skip
