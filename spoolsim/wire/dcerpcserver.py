"""The server's side of one connection-oriented DCE/RPC association, sans-I/O.

Theory of operation
===================

A :class:`ServerConnection` is fed the octets a client sends (``receive_data``) and hands out
what the application must act on (``next_event``): a whole, verified, reassembled :class:`Call`;
a :class:`Cancel` when the client orphans or cancels one; ``ConnectionClosed``; or ``NEED_DATA``.
Everything else the client sends (bind, alter_context, auth3) is answered inside, and the answer
waits in ``data_to_send()``. The application answers a call with :meth:`respond` or
:meth:`fault`, in any order, so calls can run concurrently.

Presentation contexts: a bind or alter_context proposes (context id, interface, transfer
syntaxes). An interface we serve is accepted with NDR 2.0; NDR64 alone is refused
(PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED), an unknown interface too
(ABSTRACT_SYNTAX_NOT_SUPPORTED), and the bind-time feature negotiation syntax gets
NEGOTIATE_ACK with no features. A request on a context that was never accepted gets
``nca_s_unk_if`` and ends the connection.

Authentication (MS-RPCE 3.3.1.5): NTLM (auth type 10) only. The bind (or an alter_context)
carries NEGOTIATE and its ack the CHALLENGE; auth3 (or a second alter_context) carries
AUTHENTICATE. At the connect level nothing more happens; at the integrity level every request
and response fragment carries a signature over the whole PDU; at the privacy level the stub and
its padding are sealed too. A failed AUTHENTICATE has no reply of its own: the next request gets
``nca_s_fault_access_denied`` and the connection ends. The levels in between (call, packet) are
refused at bind time.

Fragments: the client's ``max_xmit_frag`` bounds what we accept (never more than ``max_frag``),
its ``max_recv_frag`` what we send; responses are split accordingly and each fragment is signed
or sealed on its own, as the requests were.

Errors are :class:`~spoolsim.wire.dcerpc.DceRpcError` with the PDU to send before closing.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection

import attrs

from spoolsim.wire import dcerpccodes as c
from spoolsim.wire.dcerpc import (
    AlterContext,
    AlterContextResp,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    CoCancel,
    ContextElem,
    ContextResult,
    DceRpcError,
    Fault,
    Orphaned,
    Request,
    Response,
    SyntaxId,
)
from spoolsim.wire.dcerpcstream import (
    NEED_DATA,
    ConnectionClosed,
    PduReader,
    Reassembler,
    fragment,
)
from spoolsim.wire.ntlm import NtlmError, NtlmSecurity, NtlmServer

Interface = tuple[uuid.UUID, int, int]
_NDR = SyntaxId(*c.NDR)
_NIL = SyntaxId(uuid.UUID(int=0), 0)
_SIGNATURE_LEN = 16  # an NTLM signature (MS-NLMP 2.2.2.9)
_LEVELS = (c.AUTHN_LEVEL_CONNECT, c.AUTHN_LEVEL_PKT_INTEGRITY, c.AUTHN_LEVEL_PKT_PRIVACY)
LEVEL_NAMES = {
    c.AUTHN_LEVEL_NONE: "none",
    c.AUTHN_LEVEL_CONNECT: "connect",
    c.AUTHN_LEVEL_PKT_INTEGRITY: "integrity",
    c.AUTHN_LEVEL_PKT_PRIVACY: "privacy",
}


@attrs.frozen
class Call:
    """One whole request: verified, unsealed and reassembled."""

    call_id: int
    context_id: int
    interface: Interface
    opnum: int
    object: uuid.UUID | None
    stub: bytes


@attrs.frozen
class Cancel:
    """The client gave up on ``call_id`` (orphaned or co_cancel)."""

    call_id: int


@attrs.define
class _Auth:
    auth_type: int
    level: int
    context_id: int
    security: NtlmSecurity | None = None  # None until AUTHENTICATE arrives
    failed: str | None = None


_group_ids = itertools.count(0x1234)


class ServerConnection:
    """One association, server side.

    Args:
        interfaces: the abstract syntaxes served (uuid, major, minor).
        ntlm: the NTLM acceptor, or None when the server offers no authentication.
        max_frag: the largest fragment accepted or sent.
        max_request: the largest reassembled request stub.
        secondary_address: the port the client reached, as bind_ack's ``sec_addr``.
    """

    def __init__(
        self,
        interfaces: Collection[Interface],
        *,
        ntlm: NtlmServer | None = None,
        max_frag: int = 5840,
        max_request: int = c.MAX_REQUEST_SIZE,
        secondary_address: str = "",
    ) -> None:
        self.interfaces = {(i[0], i[1]): i for i in interfaces}
        self.ntlm = ntlm
        self.max_frag = max_frag
        self.secondary_address = secondary_address
        self.contexts: dict[int, Interface] = {}
        self.auth: _Auth | None = None
        self.xmit = c.MUST_RECV_FRAG_SIZE
        self.bound = False
        self._reader = PduReader(max_frag=max_frag)
        self._calls = Reassembler(max_size=max_request)
        self._out: list[bytes] = []
        self._group = next(_group_ids)

    # -- what the application sees -------------------------------------------------------------

    @property
    def security(self) -> NtlmSecurity | None:
        """The authenticated NTLM session, once AUTHENTICATE has been accepted."""
        return self.auth.security if self.auth is not None else None

    @property
    def level(self) -> int:
        """The authentication level in force (``AUTHN_LEVEL_NONE`` when unauthenticated)."""
        ok = self.auth is not None and self.auth.security is not None
        return self.auth.level if ok and self.auth is not None else c.AUTHN_LEVEL_NONE

    def receive_data(self, data: bytes) -> None:
        self._reader.receive_data(data)

    def data_to_send(self) -> bytes:
        out, self._out = b"".join(self._out), []
        return out

    def next_event(self) -> Call | Cancel | ConnectionClosed | object:
        """The next call, cancel, ``ConnectionClosed`` or ``NEED_DATA``; binds, alter_contexts
        and auth3 are handled on the way (their answers wait in ``data_to_send``)."""
        while True:
            pdu = self._reader.next_event()
            if pdu is NEED_DATA or isinstance(pdu, ConnectionClosed):
                return pdu
            if isinstance(pdu, Bind):
                self._bind(pdu)
            elif isinstance(pdu, AlterContext):
                self._alter(pdu)
            elif isinstance(pdu, Auth3):
                self._auth3(pdu)
            elif isinstance(pdu, Request):
                call = self._request(pdu, self._reader.last_frame)
                if call is not None:
                    return call
            elif isinstance(pdu, Orphaned | CoCancel):
                return Cancel(pdu.call_id)
            else:
                raise _fault(pdu.call_id, f"{type(pdu).__name__}: not sent by a client")

    def respond(self, call: Call, stub: bytes) -> bytes:
        """The response PDUs for ``call``: fragmented, and signed or sealed as the association
        requires."""
        response = Response(call_id=call.call_id, context_id=call.context_id, stub=stub)
        auth = self.auth if self.level >= c.AUTHN_LEVEL_PKT_INTEGRITY else None
        if auth is None or auth.security is None:
            return b"".join(f.encode() for f in fragment(response, self.xmit))
        room = self.xmit - c.SEC_TRAILER_LEN - _SIGNATURE_LEN - (c.AUTH_PAD_ALIGNMENT - 1)
        out = []
        for frag in fragment(response, room):
            pad = -len(frag.stub) % c.AUTH_PAD_ALIGNMENT
            verifier = AuthVerifier(
                auth.auth_type, auth.level, auth.context_id, bytes(_SIGNATURE_LEN), pad
            )
            whole = attrs.evolve(frag, auth=verifier).encode()
            to_sign = whole[:-_SIGNATURE_LEN]
            if auth.level == c.AUTHN_LEVEL_PKT_PRIVACY:
                start = c.HEADER_LEN + 8  # a response body's fixed part
                end = start + len(frag.stub) + pad
                sealed, signature = auth.security.seal(whole[start:end], to_sign)
                out.append(whole[:start] + sealed + whole[end:-_SIGNATURE_LEN] + signature)
            else:
                out.append(to_sign + auth.security.sign(to_sign))
        return b"".join(out)

    def fault(self, call: Call | int, status: int, *, executed: bool = True) -> bytes:
        """A fault for ``call`` (a Call, or a call_id when no whole call exists)."""
        call_id = call.call_id if isinstance(call, Call) else call
        context_id = call.context_id if isinstance(call, Call) else 0
        flags = c.PFC_WHOLE | (0 if executed else c.PFC_DID_NOT_EXECUTE)
        return Fault(call_id=call_id, context_id=context_id, status=status, flags=flags).encode()

    # -- binds ---------------------------------------------------------------------------------

    def _bind(self, pdu: Bind) -> None:
        if self.bound:
            raise _nak(pdu.call_id, "bind: this association is already bound")
        if not pdu.contexts:
            raise _nak(pdu.call_id, "bind: proposes no presentation context")
        if min(pdu.max_xmit_frag, pdu.max_recv_frag) < c.MUST_RECV_FRAG_SIZE:
            raise _nak(
                pdu.call_id,
                f"bind: max_xmit_frag {pdu.max_xmit_frag} / max_recv_frag {pdu.max_recv_frag}"
                f" below the {c.MUST_RECV_FRAG_SIZE} every peer must take",
            )
        verifier = self._start_auth(pdu.call_id, pdu.auth) if pdu.auth is not None else None
        self.bound = True
        self.xmit = min(pdu.max_recv_frag, self.max_frag)
        recv = min(pdu.max_xmit_frag, self.max_frag)
        self._reader.max_frag = recv
        ack = BindAck(
            call_id=pdu.call_id,
            max_xmit_frag=self.xmit,
            max_recv_frag=recv,
            assoc_group_id=pdu.assoc_group_id or self._group,
            secondary_address=self.secondary_address,
            results=self._negotiate(pdu.contexts),
            auth=verifier,
        )
        self._out.append(ack.encode())

    def _alter(self, pdu: AlterContext) -> None:
        if not self.bound:
            raise _fault(pdu.call_id, "alter_context: before any bind")
        verifier = None
        if pdu.auth is not None:
            if self.auth is not None and self.auth.security is None and self.auth.failed is None:
                self._finish_auth(pdu.auth)  # the third leg, carried by alter_context
            else:
                verifier = self._start_auth(pdu.call_id, pdu.auth)
        resp = AlterContextResp(
            call_id=pdu.call_id,
            max_xmit_frag=self.xmit,
            max_recv_frag=self._reader.max_frag,
            assoc_group_id=pdu.assoc_group_id or self._group,
            results=self._negotiate(pdu.contexts),
            auth=verifier,
        )
        self._out.append(resp.encode())

    def _negotiate(self, proposed: tuple[ContextElem, ...]) -> tuple[ContextResult, ...]:
        results = []
        for elem in proposed:
            a = elem.abstract_syntax
            if c.btfn_features(a.uuid) is not None or any(
                c.btfn_features(t.uuid) is not None for t in elem.transfer_syntaxes
            ):
                results.append(ContextResult(c.NEGOTIATE_ACK, 0, _NIL))
                continue
            interface = self.interfaces.get((a.uuid, a.major))
            if interface is None or a.minor > interface[2]:
                why = c.ABSTRACT_SYNTAX_NOT_SUPPORTED
                results.append(ContextResult(c.PROVIDER_REJECTION, why, _NIL))
            elif _NDR not in elem.transfer_syntaxes:
                why = c.PROPOSED_TRANSFER_SYNTAXES_NOT_SUPPORTED
                results.append(ContextResult(c.PROVIDER_REJECTION, why, _NIL))
            else:
                self.contexts[elem.context_id] = interface
                results.append(ContextResult(c.ACCEPTANCE, 0, _NDR))
        return tuple(results)

    # -- authentication ------------------------------------------------------------------------

    def _start_auth(self, call_id: int, verifier: AuthVerifier) -> AuthVerifier:
        if self.auth is not None:
            raise _nak(call_id, "auth: a second security context on one association")
        if verifier.auth_type != c.AUTHN_WINNT or self.ntlm is None:
            offered = "NTLM (10)" if self.ntlm is not None else "no authentication"
            raise _nak(
                call_id,
                f"auth_type: {verifier.auth_type} is not offered here ({offered})",
                c.NAK_INVALID_AUTH_TYPE,
            )
        if verifier.auth_level not in _LEVELS:
            raise _nak(
                call_id,
                f"auth_level: {verifier.auth_level}; connect (2), integrity (5) and privacy (6)"
                " are supported",
                c.NAK_INVALID_AUTH_TYPE,
            )
        try:
            challenge = self.ntlm.challenge(verifier.value)
        except NtlmError as exc:
            raise _nak(call_id, f"NTLM NEGOTIATE: {exc.detail}", c.NAK_INVALID_AUTH_TYPE) from None
        self.auth = _Auth(verifier.auth_type, verifier.auth_level, verifier.context_id)
        return AuthVerifier(verifier.auth_type, verifier.auth_level, verifier.context_id, challenge)

    def _auth3(self, pdu: Auth3) -> None:
        if self.auth is None or self.auth.security is not None or pdu.auth is None:
            raise DceRpcError("auth3: no authentication is waiting for it", remote=True)
        self._finish_auth(pdu.auth)

    def _finish_auth(self, verifier: AuthVerifier) -> None:
        assert self.auth is not None and self.ntlm is not None
        try:
            self.auth.security = self.ntlm.authenticate(verifier.value)
        except NtlmError as exc:
            self.auth.failed = exc.detail

    # -- requests ------------------------------------------------------------------------------

    def _request(self, pdu: Request, frame: bytes) -> Call | None:
        if not self.bound:
            raise _fault(pdu.call_id, "request: before any bind")
        auth = self.auth
        if auth is not None and auth.security is None:
            why = auth.failed or "authentication was begun but never completed"
            raise _fault(pdu.call_id, f"request: {why}", c.NCA_S_FAULT_ACCESS_DENIED)
        if auth is not None and auth.level >= c.AUTHN_LEVEL_PKT_INTEGRITY:
            pdu = self._verified(pdu, frame, auth)
        whole = self._calls.add(pdu)
        if whole is None:
            return None
        assert isinstance(whole, Request)
        interface = self.contexts.get(whole.context_id)
        if interface is None:
            raise _fault(
                whole.call_id,
                f"p_cont_id: {whole.context_id} names no accepted presentation context",
                c.NCA_S_UNK_IF,
            )
        return Call(
            whole.call_id, whole.context_id, interface, whole.opnum, whole.object, whole.stub
        )

    def _verified(self, pdu: Request, frame: bytes, auth: _Auth) -> Request:
        v = pdu.auth
        if v is None or (v.auth_type, v.auth_level) != (auth.auth_type, auth.level):
            got = "none" if v is None else f"type {v.auth_type} level {v.auth_level}"
            raise _fault(
                pdu.call_id,
                f"auth_verifier: {got}; the association needs type {auth.auth_type}"
                f" level {auth.level}",
                c.NCA_S_FAULT_ACCESS_DENIED,
            )
        assert auth.security is not None
        trailer = len(frame) - len(v.value) - c.SEC_TRAILER_LEN
        start = trailer - v.pad_length - len(pdu.stub)
        stub = pdu.stub
        try:
            if auth.level == c.AUTHN_LEVEL_PKT_PRIVACY:
                plain = auth.security.unseal(frame[start:trailer])
                stub = plain[: len(pdu.stub)]
                frame = frame[:start] + plain + frame[trailer:]
            auth.security.verify(frame[: len(frame) - len(v.value)], v.value)
        except NtlmError as exc:
            status = c.NCA_S_FAULT_SEC_PKG_ERROR
            raise _fault(pdu.call_id, f"auth_verifier: {exc.detail}", status) from None
        return attrs.evolve(pdu, stub=stub, auth=None)


def _fault(call_id: int, detail: str, status: int = c.NCA_S_PROTO_ERROR) -> DceRpcError:
    reply = Fault(call_id=call_id, status=status, flags=c.PFC_WHOLE | c.PFC_DID_NOT_EXECUTE)
    return DceRpcError(detail, remote=True, reply=reply.encode())


def _nak(call_id: int, detail: str, reason: int = c.NAK_REASON_NOT_SPECIFIED) -> DceRpcError:
    return DceRpcError(detail, remote=True, reply=BindNak(call_id=call_id, reason=reason).encode())
