"""DCE/RPC: the codecs (``spoolsim.wire.dcerpc``, ``dcerpcstream``, ``dcerpcserver``, ``ndr``
through ``spoolsim.rpc.ndrcall``, ``ntlm``, ``epm``) and the front end of
``spoolsim.net.rpcserver`` (MS-PAR and MS-RPRN over ncacn_ip_tcp, and the endpoint mapper).

Request stubs are built for every opnum of both interfaces from the method tables themselves
(``spoolsim.wire.winspool``): each ``[in]`` parameter gets a value of its NDR type (integers near
the edges, short strings, NULL or not for unique pointers, unions on the arm their structure
selects, the connection's real printer handle for context handles), so most stubs decode and
reach the method surface; a quarter are then mutated. Around them: binds and alter_contexts
(interfaces, transfer syntaxes, fragment sizes, NTLM verifiers), requests cut into fragments,
cancels, orphans, PDU types a client never sends, and mutated PDUs.

Codec: every PDU decodes or raises ``DceRpcError`` only, and reading a stream gives the same PDUs
however it is split; a server-side association fed a mutated conversation raises
``DceRpcError`` only; ``decode_call`` raises ``NdrError`` or ``UnknownOpnum`` only; the NTLM
acceptor ``NtlmError`` only (on NEGOTIATE and on AUTHENTICATE messages built like a client's,
then mutated); the endpoint mapper ``EpmError`` only.

Server: a connection binds (anonymously, or as a user over NTLM at the connect level), opens a
printer, then sends a batch of requests; every call must be answered (a response or a fault)
unless a mutated PDU of the batch ended the association; binds that are refused must be
refused with bind_nak or a fault and a close. A tenth of the connections go to the endpoint
mapper with ``ept_map``/``ept_lookup`` requests. No user with administrator rights is used, so
the estate survives the campaign.
"""

from __future__ import annotations

import random
import struct
import time
import uuid
from typing import Any

import trio

from benchmarks.fuzz import common
from benchmarks.fuzz.mutate import PRINTABLE, Mutator, words
from benchmarks.fuzz.target import PRINTERS, RPC_USERS, Target
from spoolsim.rpc.ndrcall import Interface, NdrError, UnknownOpnum, decode_call
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire import epm, ndr, ntlm
from spoolsim.wire import winspool as ws
from spoolsim.wire.dcerpc import (
    AlterContext,
    Auth3,
    AuthVerifier,
    Bind,
    BindAck,
    BindNak,
    CoCancel,
    ContextElem,
    DceRpcError,
    Fault,
    Orphaned,
    Request,
    Response,
    Shutdown,
    SyntaxId,
    decode,
)
from spoolsim.wire.dcerpcserver import ServerConnection
from spoolsim.wire.dcerpcstream import NEED_DATA, ConnectionClosed, PduReader, fragment

NAME = "dcerpc"
BATCH = 24
"""Requests sent on one association after its printer is open (below ``RpcLimits.max_calls``)."""

NDR = SyntaxId(*c.NDR)
NDR64 = SyntaxId(uuid.UUID("71710533-beba-4937-8319-b5dbef9ccc36"), 1)
PAR = SyntaxId(*c.MS_PAR)
RPRN = SyntaxId(*c.MS_RPRN)
EPM = SyntaxId(*epm.EPM)
TABLES = {Interface.PAR: ws.PAR, Interface.RPRN: ws.RPRN}
_OPEN = {Interface.PAR: 0, Interface.RPRN: 69}  # RpcAsyncOpenPrinter, RpcOpenPrinterEx
_LONG_POLL = {(Interface.PAR, 61)}
_TOKENS = (b"\x05\x00", b"\x10\x00\x00\x00", b"\xff\xff", b"\x00\x00\x02\x00", b"NTLMSSP\x00")
_INTS = (0, 1, 2, 3, 4, 5, 8, 0x10, 0x100, 0x7FFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF)
_UNICODE = ntlm.NegotiateFlags.NTLMSSP_NEGOTIATE_UNICODE
_NTLM_FLAGS = _UNICODE | ntlm.NegotiateFlags.NTLMSSP_NEGOTIATE_NTLM | 0x4  # REQUEST_TARGET


class Values:
    """Wire values of NDR types, for request stubs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.handle = bytes(20)

    def text(self) -> str:
        rng = self.rng
        return rng.choice(
            (*PRINTERS, "", "Fuzz1,Job 1", "\\\\127.0.0.1\\Fuzz1", words(rng, PRINTABLE, 0, 24))
        )

    def value(self, t: ndr.NdrType, depth: int = 0) -> Any:
        rng = self.rng
        if isinstance(t, ndr.ContextHandle):
            return self.handle if rng.random() < 0.85 else rng.randbytes(20)
        if isinstance(t, ndr.Prim):
            if t.st.format.endswith("f"):
                return rng.random()
            top = 1 << (8 * t.st.size)
            value = rng.choice(_INTS) if rng.random() < 0.6 else rng.randrange(0, 64)
            value %= top
            return value - top if t.st.format[-1].islower() and value >= top // 2 else value
        if isinstance(t, ndr.FixedBytes):
            return rng.randbytes(t.n)
        if isinstance(t, ndr.Mapped):
            return t.to_py(self.value(t.inner, depth))
        if isinstance(t, ndr.FixedArray):
            items = [self.value(t.elem, depth + 1) for _ in range(t.n)]
            return bytes(items) if t.elem is ndr.BYTE else tuple(items)
        if isinstance(t, ndr.FixedWString):
            return self.text()[: t.n - 1]
        if isinstance(t, ndr.VaryingString):
            return self.text() if t.wide else words(rng, PRINTABLE, 0, 16)
        if isinstance(t, ndr.ConformantArray):
            n = rng.choice((0, 1, 2, 4, 16))
            if t.elem is ndr.BYTE:
                return rng.randbytes(n * 4)
            if t.empty == "":
                return words(rng, PRINTABLE, 0, 16)
            return tuple(self.value(t.elem, depth + 1) for _ in range(min(n, 4)))
        if isinstance(t, ndr.Unique):
            return None if rng.random() < 0.25 or depth > 6 else self.value(t.target, depth + 1)
        if isinstance(t, ndr.Struct):
            d: dict[str, Any] = {}
            for name, field in t.fields:
                if isinstance(field, ndr.Union):
                    arm = field.arms.get(field.switch_is(d))
                    d[name] = (
                        None if arm is None or arm[1] is None else self.value(arm[1], depth + 1)
                    )
                else:
                    d[name] = self.value(field, depth + 1)
            return d
        return None

    def stub(self, interface: Interface, opnum: int) -> bytes:
        """A request stub for ``opnum`` (random octets if the method table cannot encode it)."""
        method = TABLES[interface].get(opnum)
        if method is None:
            return self.rng.randbytes(self.rng.choice((0, 4, 20, 64)))
        for _ in range(3):
            values = {name: self.value(t) for name, t in method.ins()}
            try:
                return method.encode_request(values)
            except (ValueError, TypeError, KeyError, OverflowError, struct.error, UnicodeError):
                continue
        return bytes(self.rng.choice((0, 20, 64)))


def negotiate() -> bytes:
    """An NTLM NEGOTIATE_MESSAGE: Unicode, NTLM, no domain or workstation."""
    return ntlm.SIGNATURE + struct.pack("<II", 1, _NTLM_FLAGS) + bytes(16)


def authenticate(challenge: bytes, user: str, password: str, rng: random.Random) -> bytes:
    """An NTLMv2 AUTHENTICATE_MESSAGE for ``challenge`` (no MIC, no key exchange)."""
    server_challenge = challenge[24:32]
    info_len, _, info_at = struct.unpack_from("<HHI", challenge, 40)
    info = challenge[info_at : info_at + info_len]
    blob = b"\x01\x01" + bytes(6) + struct.pack("<Q", 0) + rng.randbytes(8) + bytes(4) + info
    blob += bytes(4)
    proof, _ = ntlm.ntlmv2_proof(ntlm.ntowfv2(password, user, ""), server_challenge, blob)
    fields = [bytes(24), proof + blob, b"", user.encode("utf-16-le"), "FUZZ".encode("utf-16-le")]
    fields.append(b"")  # EncryptedRandomSessionKey
    at, head, payload = 64, b"", b""
    for field in fields:
        head += struct.pack("<HHI", len(field), len(field), at + len(payload))
        payload += field
    return ntlm.SIGNATURE + struct.pack("<I", 3) + head + struct.pack("<I", _NTLM_FLAGS) + payload


class Inputs:
    """PDUs, stubs and NTLM messages from one seeded stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.values = Values(rng)
        self.mutator = Mutator(rng, _TOKENS, max_size=1 << 14)

    def contexts(self, first: int = 0) -> tuple[ContextElem, ...]:
        rng = self.rng
        out = []
        for context_id in range(first, first + rng.choice((1, 1, 1, 2, 3))):
            abstract = rng.choice((PAR, PAR, RPRN, RPRN, EPM, SyntaxId(uuid.uuid4(), 1)))
            if rng.random() < 0.05:
                abstract = SyntaxId(abstract.uuid, rng.choice((0, 2)), rng.choice((0, 1)))
            syntaxes = rng.choice(
                ((NDR,), (NDR,), (NDR64,), (NDR64, NDR), (SyntaxId(*c.btfn_syntax(3)),))
            )
            out.append(ContextElem(context_id, abstract, syntaxes))
        return tuple(out)

    def bind(self, interface: SyntaxId, auth: AuthVerifier | None = None) -> Bind:
        rng = self.rng
        frag = rng.choice((5840, 5840, 4280, 1432, 65535, 1000))
        contexts = (ContextElem(0, interface, (NDR,)),)
        if rng.random() < 0.1:
            contexts += self.contexts(first=1)
        return Bind(call_id=1, contexts=contexts, max_xmit_frag=frag, max_recv_frag=frag, auth=auth)

    def request(self, interface: Interface, call_id: int) -> list[bytes]:
        """The octets of one call (one PDU, or fragments)."""
        rng = self.rng
        table = TABLES[interface]
        opnum = rng.choice((*table, *table, rng.randrange(0, 120)))
        handle = self.values.handle
        if (interface, opnum) in _LONG_POLL:
            self.values.handle = rng.randbytes(20)  # a notification handle it is not: no wait
        stub = self.values.stub(interface, opnum)
        self.values.handle = handle
        stub = self.mutator.maybe(stub, 0.25)
        obj = uuid.uuid4() if rng.random() < 0.05 else None
        pdu = Request(
            call_id=call_id, opnum=opnum, context_id=0, object=obj, stub=stub, alloc_hint=len(stub)
        )
        if len(stub) > 64 and rng.random() < 0.2:
            return [p.encode() for p in fragment(pdu, rng.choice((64 + 24, 256, 1432)))]
        return [pdu.encode()]

    def stray(self, call_id: int) -> bytes:
        """A PDU a client may send mid-association, or one it never sends."""
        rng = self.rng
        kind = rng.randrange(6)
        if kind == 0:
            return CoCancel(call_id=call_id).encode()
        if kind == 1:
            return Orphaned(call_id=call_id).encode()
        if kind == 2:
            return AlterContext(call_id=call_id, contexts=self.contexts()).encode()
        if kind == 3:
            return Shutdown(call_id=call_id).encode()
        if kind == 4:
            return Response(call_id=call_id, stub=b"x" * 8).encode()
        return Bind(call_id=call_id, contexts=self.contexts()).encode()

    def pdu(self) -> bytes:
        """Any PDU, encoded (for the codec)."""
        rng = self.rng
        roll = rng.random()
        if roll < 0.3:
            return self.bind(rng.choice((PAR, RPRN, EPM))).encode()
        if roll < 0.7:
            interface = rng.choice((Interface.PAR, Interface.RPRN))
            return b"".join(self.request(interface, rng.randint(1, 9)))
        if roll < 0.8:
            verifier = AuthVerifier(
                c.AUTHN_WINNT, rng.choice((2, 5, 6)), 0, negotiate(), rng.choice((0, 4))
            )
            return Bind(call_id=1, contexts=self.contexts(), auth=verifier).encode()
        if roll < 0.85:
            return Fault(call_id=3, status=c.NCA_S_PROTO_ERROR).encode()
        if roll < 0.9:
            return BindNak(call_id=2).encode()
        return self.stray(rng.randint(1, 9))


def _read(chunks: list[bytes]) -> list[object]:
    reader, out = PduReader(), []
    try:
        for chunk in [*chunks, b""]:
            reader.receive_data(chunk)
            while (pdu := reader.next_event()) is not NEED_DATA:
                out.append(pdu)
                if isinstance(pdu, ConnectionClosed):
                    return out
    except DceRpcError as exc:
        if not exc.remote:
            raise
        out.append("error")
    return out


_TABLE = {(EPM.uuid, EPM.major): ("127.0.0.1", 5000), (PAR.uuid, 1): ("127.0.0.1", 5000)}


def codec(n: int, seed: int) -> common.Figures:
    """``n`` inputs through the DCE/RPC, NDR, NTLM and endpoint mapper codecs, in process."""
    figures = common.Figures(NAME, "codec")
    rng = random.Random(seed)
    inputs = Inputs(rng)
    started = time.perf_counter()
    interfaces = {Interface.PAR: c.MS_PAR, Interface.RPRN: c.MS_RPRN}
    for i in range(n):
        figures.inputs += 1
        kind = i % 10
        what = b""
        try:
            if kind <= 2:  # PDUs, whole and in a stream
                what = inputs.mutator.maybe(inputs.pdu(), 0.5)
                try:
                    decode(what)
                except DceRpcError as exc:
                    if not exc.remote:
                        figures.crash(f"seed {seed} input {i}: decode blamed itself: {exc}")
                if _read([what]) != _read(common.split(rng, what)):
                    figures.crash(
                        f"seed {seed} input {i}: PDUs depend on the split: {what[:200]!r}"
                    )
            elif kind <= 4:  # a server-side association, then the calls it hands out
                interface = rng.choice((Interface.PAR, Interface.RPRN))
                syntax = PAR if interface is Interface.PAR else RPRN
                pdus = [inputs.bind(syntax).encode()]
                for call_id in range(2, rng.randint(3, 7)):
                    pdus += inputs.request(interface, call_id)
                    if rng.random() < 0.1:
                        pdus.append(inputs.stray(call_id))
                what = inputs.mutator.maybe(b"".join(pdus), 0.3)
                conn = ServerConnection(list(interfaces.values()), ntlm=ntlm.NtlmServer(RPC_USERS))
                try:
                    for chunk in [*common.split(rng, what), b""]:
                        conn.receive_data(chunk)
                        while (event := conn.next_event()) is not NEED_DATA:
                            if isinstance(event, ConnectionClosed):
                                break
                            if hasattr(event, "stub"):
                                which = next(
                                    k for k, v in interfaces.items() if v == event.interface
                                )
                                try:
                                    decode_call(which, event.opnum, event.stub)
                                except (NdrError, UnknownOpnum):
                                    figures.refused += 1
                                conn.respond(event, b"\x00" * 8)
                        conn.data_to_send()
                except DceRpcError as exc:
                    if not exc.remote:
                        figures.crash(f"seed {seed} input {i}: association blamed itself: {exc}")
            elif kind <= 6:  # NDR stubs straight into the adaptor
                interface = rng.choice((Interface.PAR, Interface.RPRN))
                opnum = rng.choice((*TABLES[interface], rng.randrange(0, 200)))
                what = inputs.mutator.maybe(inputs.values.stub(interface, opnum), 0.4)
                try:
                    decode_call(interface, opnum, what)
                except (NdrError, UnknownOpnum):
                    figures.refused += 1
            elif kind <= 8:  # NTLM
                server = ntlm.NtlmServer(RPC_USERS, challenge=lambda: b"\x11" * 8, now=lambda: 1)
                what = inputs.mutator.maybe(negotiate(), 0.3)
                try:
                    challenge = server.challenge(what)
                    user = rng.choice((*RPC_USERS, "nobody"))
                    message = authenticate(challenge, user, RPC_USERS.get(user, "x"), rng)
                    what = inputs.mutator.maybe(message, 0.6)
                    server.authenticate(what)
                except ntlm.NtlmError:
                    figures.refused += 1
            else:  # the endpoint mapper
                opnum = rng.choice((2, 3, 4, 3, 3, rng.randrange(0, 8)))
                what = inputs.mutator.maybe(_epm_stub(rng, opnum), 0.5)
                try:
                    epm.answer(opnum, what, _TABLE)
                except epm.EpmError:
                    figures.refused += 1
        except Exception as exc:  # anything but the codecs' own errors is a crash
            figures.crash(f"seed {seed} input {i} (kind {kind}): {exc!r} on {what[:200]!r}")
    figures.wall = time.perf_counter() - started
    return figures


def _epm_stub(rng: random.Random, opnum: int) -> bytes:
    """An ept_map (3), ept_lookup (2) or ept_lookup_handle_free (4) request stub."""
    handle = bytes(20)
    if opnum == 3:
        interface = rng.choice((c.MS_PAR, c.MS_RPRN, (uuid.uuid4(), 1, 0)))
        tower = epm.Tower(interface, c.NDR, epm.PROT_NCACN, 0, "0.0.0.0").encode()
        obj = bytes(16)
        return (
            struct.pack("<I", 1) + obj + struct.pack("<III", 2, len(tower), len(tower)) + tower
            + bytes(-len(tower) % 4) + handle + struct.pack("<I", rng.choice((1, 4, 0)))
        )  # fmt: skip
    if opnum == 2:
        ifid = struct.pack("<I", 1) + c.MS_PAR[0].bytes_le + struct.pack("<HH", 1, 0)
        return (
            struct.pack("<I", rng.choice((0, 1, 2, 3, 9))) + struct.pack("<I", 0) + ifid
            + struct.pack("<I", rng.choice((1, 2, 3, 4, 5))) + handle
            + struct.pack("<I", rng.choice((1, 2, 500)))
        )  # fmt: skip
    return handle


# -- the front end ---------------------------------------------------------------------------------


class _Peer:
    """One client connection: PDUs in, and which calls have been answered."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.reader = PduReader(max_frag=0xFFFF)
        self.closed = False

    async def next_pdu(self) -> object | None:
        """The next PDU; None once the server has closed (or after the timeout: ``closed``
        stays False then)."""
        while True:
            try:
                pdu = self.reader.next_event()
            except DceRpcError:
                raise RuntimeError("the server sent an unreadable PDU") from None
            if isinstance(pdu, ConnectionClosed):
                self.closed = True
                return None
            if pdu is not NEED_DATA:
                return pdu
            chunk = await common.receive(self.stream)
            if chunk is None:
                return None
            self.reader.receive_data(chunk)
            if not chunk:
                self.closed = True
                self.reader = PduReader()  # what came before the close is already read
                return None


async def _association(
    target: Target,
    w: int,
    rng: random.Random,
    inputs: Inputs,
    figures: common.Figures,
    budget: common.Budget,
) -> None:
    interface = rng.choice((Interface.PAR, Interface.RPRN))
    syntax = PAR if interface is Interface.PAR else RPRN
    stream = await common.connect(target.rpc, w)
    figures.connections += 1
    peer = _Peer(stream)
    async with stream:
        user = "alice" if rng.random() < 0.3 else None  # never an administrator
        fatal_auth = False  # a mutated AUTHENTICATE: the first call ends the association
        verifier = (
            AuthVerifier(c.AUTHN_WINNT, c.AUTHN_LEVEL_CONNECT, 0, negotiate()) if user else None
        )
        bind = inputs.bind(syntax, verifier).encode()
        mutated = rng.random() < 0.1
        figures.inputs += 1
        if mutated:  # the association's only input: whatever it binds, the server must answer
            await _last_words(peer, inputs.mutator.mutate(bind), figures)
            return
        if not await common.send(stream, bind):
            return
        ack = await peer.next_pdu()
        if not isinstance(ack, BindAck):
            if ack is None and not peer.closed:
                figures.crash(f"no answer to a bind: {bind[:200]!r}")
            elif not mutated and not isinstance(ack, BindNak | Fault) and ack is not None:
                figures.crash(f"{type(ack).__name__} to a good bind")
            else:
                figures.refused += 1
            return
        if not ack.results or ack.results[0].result != c.ACCEPTANCE:
            return
        if user is not None:
            if ack.auth is None:
                return
            message = authenticate(ack.auth.value, user, RPC_USERS[user], rng)
            if rng.random() < 0.1:
                message, fatal_auth = inputs.mutator.mutate(message) or message, True
            auth3 = Auth3(
                call_id=1, auth=AuthVerifier(c.AUTHN_WINNT, c.AUTHN_LEVEL_CONNECT, 0, message)
            )
            figures.inputs += budget.take()
            await common.send(stream, auth3.encode())
        # Open a printer: its handle goes into the batch's stubs.
        opnum = _OPEN[interface]
        method = TABLES[interface][opnum]
        stub = method.encode_request(
            {
                "pPrinterName": rng.choice(PRINTERS),
                "pDatatype": None,
                "pDevModeContainer": {"cbBuf": 0, "pDevMode": None},
                "AccessRequired": 8,  # PRINTER_ACCESS_USE
                "pClientInfo": {
                    "Level": 1,
                    "ClientInfo": {
                        "dwSize": 28,
                        "pMachineName": "FUZZ",
                        "pUserName": user or "anon",
                        "dwBuildNum": 1,
                        "dwMajorVersion": 10,
                        "dwMinorVersion": 0,
                        "wProcessorArchitecture": 9,
                    },
                },
            }
        )
        figures.inputs += budget.take()
        await common.send(stream, Request(call_id=2, opnum=opnum, stub=stub).encode())
        answer = await peer.next_pdu()
        if isinstance(answer, Response) and len(answer.stub) >= 24:
            inputs.values.handle = answer.stub[:20]
        elif answer is None or isinstance(answer, Fault):
            if answer is None and not peer.closed:
                figures.crash("no answer to OpenPrinter")
            elif answer is not None and not fatal_auth:
                figures.crash(
                    f"OpenPrinter ({interface.name} {opnum}, call 2) faulted: call"
                    f" {answer.call_id} 0x{answer.status:08x}, user {user}"
                )
            return
        # The batch: good calls (their stubs may be mutated: the NDR layer must fault them),
        # and sometimes one bad PDU at the end (a stray, a mutated PDU, an oversized fragment),
        # after which the client half-closes. Every good call of a batch without one must be
        # answered; a bad PDU ends the association (calls still running are dropped with it),
        # so then the server must close.
        pending: dict[int, int] = {}  # call_id -> opnum
        data, bad = bytearray(), b""
        for call_id in range(3, 3 + BATCH):
            if not budget.take():
                break
            figures.inputs += 1
            parts = inputs.request(interface, call_id)
            if max(map(len, parts)) > ack.max_recv_frag:
                bad = b"".join(parts)  # a fragment over the size the server took in bind_ack
                break
            if rng.random() < 0.015:
                roll = rng.random()
                bad = inputs.stray(call_id) if roll < 0.5 else inputs.mutator.mutate(parts[0])
                break
            data += b"".join(parts)
            pending[call_id] = decode(parts[0]).opnum
        if bad:
            sent = await common.send(stream, bytes(data) + bad)
            if sent:
                try:
                    await stream.send_eof()
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
        elif not await common.send(stream, bytes(data)):
            figures.crash("closed before a batch of good requests")
            return
        while pending and not bad:
            pdu = await peer.next_pdu()
            if pdu is None:
                where = "connection open" if not peer.closed else "closed"
                figures.crash(f"{interface.name} calls {pending} unanswered, {where}")
                return
            if isinstance(pdu, Fault):
                if pdu.call_id in pending:
                    del pending[pdu.call_id]
                    figures.refused += 1
            elif isinstance(pdu, Response) and pdu.flags & c.PFC_LAST_FRAG:
                pending.pop(pdu.call_id, None)
        if bad and await common.until_closed(stream) is None:
            figures.crash(f"no close after a bad PDU and the end of the stream: {bad[:200]!r}")


async def _last_words(peer: _Peer, data: bytes, figures: common.Figures) -> None:
    """Send ``data`` and half-close: the server must answer (or not) and close."""
    if await common.send(peer.stream, data):
        try:
            await peer.stream.send_eof()
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
    if await common.until_closed(peer.stream) is None:
        figures.crash(f"no close after {data[:200]!r} and the end of the stream")
    else:
        figures.refused += 1


async def _epm_session(
    target: Target,
    w: int,
    rng: random.Random,
    inputs: Inputs,
    figures: common.Figures,
    budget: common.Budget,
) -> None:
    stream = await common.connect(target.epm, w)
    figures.connections += 1
    peer = _Peer(stream)
    async with stream:
        bind = inputs.bind(EPM).encode()
        figures.inputs += 1
        if rng.random() < 0.1:
            await _last_words(peer, inputs.mutator.mutate(bind), figures)
            return
        if not await common.send(stream, bind):
            return
        ack = await peer.next_pdu()
        if not isinstance(ack, BindAck):
            if ack is None and not peer.closed:
                figures.crash(f"endpoint mapper: no answer to a bind {bind[:200]!r}")
            return
        data, calls = bytearray(), set()
        for call_id in range(2, 2 + rng.randint(1, 8)):
            if not budget.take():
                break
            figures.inputs += 1
            opnum = rng.choice((3, 3, 2, 4, rng.randrange(0, 8)))
            stub = inputs.mutator.maybe(_epm_stub(rng, opnum), 0.3)
            data += Request(call_id=call_id, opnum=opnum, stub=stub).encode()
            calls.add(call_id)
        await common.send(stream, bytes(data))
        while calls:
            pdu = await peer.next_pdu()
            if pdu is None:
                if not peer.closed:
                    figures.crash("endpoint mapper: calls unanswered, connection open")
                return
            if isinstance(pdu, Response | Fault):
                calls.discard(pdu.call_id)


async def socket(target: Target, n: int, seed: int, workers: int) -> common.Figures:
    """``n`` PDUs to the DCE/RPC front end and the endpoint mapper."""
    figures = common.Figures(NAME, "socket")
    budget = common.Budget(n)

    async def work(w: int) -> None:
        rng = random.Random(seed * 1000 + w)
        inputs = Inputs(rng)
        while budget.take():
            try:
                if rng.random() < 0.1:
                    await _epm_session(target, w, rng, inputs, figures, budget)
                else:
                    await _association(target, w, rng, inputs, figures, budget)
            except RuntimeError as exc:
                figures.internal_error(str(exc))
            except (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as exc:
                figures.crash(f"connection failed: {exc!r}")

    figures.wall = await common.run_workers(workers, work, figures)
    return figures


async def probe(target: Target) -> str | None:
    """Bind, RpcAsyncOpenPrinter and RpcAsyncClosePrinter; and ept_map for MS-PAR."""
    rng = random.Random(0)
    inputs = Inputs(rng)
    with trio.move_on_after(common.ANSWER_TIMEOUT):
        stream = await trio.open_tcp_stream("127.0.0.1", target.rpc)
        peer = _Peer(stream)
        async with stream:
            await stream.send_all(Bind(call_id=1, contexts=(ContextElem(0, PAR, (NDR,)),)).encode())
            if not isinstance(await peer.next_pdu(), BindAck):
                return "DCE/RPC: no bind_ack"
            open_stub = ws.PAR[0].encode_request(
                {
                    "pPrinterName": PRINTERS[0],
                    "pDatatype": None,
                    "pDevModeContainer": {"cbBuf": 0, "pDevMode": None},
                    "AccessRequired": 8,
                    "pClientInfo": {
                        "Level": 1,
                        "ClientInfo": {
                            "dwSize": 28,
                            "pMachineName": "PROBE",
                            "pUserName": "probe",
                            "dwBuildNum": 1,
                            "dwMajorVersion": 10,
                            "dwMinorVersion": 0,
                            "wProcessorArchitecture": 9,
                        },
                    },
                }
            )
            await stream.send_all(Request(call_id=2, opnum=0, stub=open_stub).encode())
            opened = await peer.next_pdu()
            if not isinstance(opened, Response) or opened.stub[-4:] != bytes(4):
                return f"DCE/RPC: RpcAsyncOpenPrinter answered {opened!r}"
            close_stub = ws.PAR[20].encode_request({"phPrinter": opened.stub[:20]})
            await stream.send_all(Request(call_id=3, opnum=20, stub=close_stub).encode())
            closed = await peer.next_pdu()
            if not isinstance(closed, Response) or closed.stub[-4:] != bytes(4):
                return f"DCE/RPC: RpcAsyncClosePrinter answered {closed!r}"
        stream = await trio.open_tcp_stream("127.0.0.1", target.epm)
        peer = _Peer(stream)
        async with stream:
            await stream.send_all(inputs.bind(EPM).encode())
            if not isinstance(await peer.next_pdu(), BindAck):
                return "endpoint mapper: no bind_ack"
            stub = _epm_stub(random.Random(1), 3)
            await stream.send_all(Request(call_id=2, opnum=3, stub=stub).encode())
            mapped = await peer.next_pdu()
            if not isinstance(mapped, Response):
                return f"endpoint mapper: ept_map answered {mapped!r}"
        return None
    return f"DCE/RPC: no answer within {common.ANSWER_TIMEOUT:g} s"
