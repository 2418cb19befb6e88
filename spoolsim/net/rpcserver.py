"""The DCE/RPC front end: MS-PAR and MS-RPRN over ``ncacn_ip_tcp``, and the endpoint mapper.

Theory of operation
===================

Each TCP connection is one association, driven by a sans-I/O
:class:`~spoolsim.wire.dcerpcserver.ServerConnection`: the connection's task only moves bytes
and starts one task per whole call, so a long poll (``RpcAsyncGetRemoteNotifications``) never
holds up the calls behind it. A call's stub is decoded by :mod:`spoolsim.rpc.ndrcall` and run on
the same method surface every other front end uses, as the association's principal; MS-RPRN
methods run as their MS-PAR counterparts. Responses go out whole, one at a time, signed or
sealed in the order they are sent.

Context handles belong to the association (a :class:`~spoolsim.rpc.core.Session` per
connection): another connection's handle, or one already closed, is a stale handle, which the
RPC runtime answers with the fault ``nca_s_fault_context_mismatch`` before the method runs. When
the connection ends, every handle it still holds is run down (closed as by its close method).

Faults: an opnum the interface does not have gets ``nca_s_op_rng_error``; a stub that does not
decode gets ``RPC_X_BAD_STUB_DATA`` (``nca_s_fault_ndr``); both keep the connection. Protocol
errors (a broken PDU, a bind for nothing we serve, a verifier that does not check) get their
fault or bind_nak and end the connection, never the server.

Limits per connection (:class:`RpcLimits`): fragment size, reassembled request size, calls
outstanding, idle time (no octets and no call outstanding), and a deadline for the bind (the
first PDU: octets trickled in do not push it back); and per peer address, the connections open
at once (one more is closed as soon as it is accepted). Both servers apply them.

The endpoint mapper (:func:`serve_epm`) answers ``ept_map`` for both interfaces with the front
end's port, as ``rpcclient`` asks it on port 135 before binding.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import math
import socket
import time
from collections.abc import AsyncIterator, Callable

import attrs
import trio

from spoolsim.model.security import EVERYONE, Principal, admin, user
from spoolsim.net.settings import RpcSettings
from spoolsim.rpc.core import Reply, Session, Surface
from spoolsim.rpc.ndrcall import Interface, NdrError, UnknownOpnum, decode_call, encode_reply
from spoolsim.runtime.notify import get_remote_notifications
from spoolsim.wire import dcerpccodes as c
from spoolsim.wire import epm
from spoolsim.wire.dcerpc import DceRpcError
from spoolsim.wire.dcerpcserver import LEVEL_NAMES, Call, Cancel, ServerConnection
from spoolsim.wire.dcerpcstream import NEED_DATA, ConnectionClosed
from spoolsim.wire.ntlm import NtlmServer

log = logging.getLogger(__name__)

INTERFACES = {c.MS_PAR: Interface.PAR, c.MS_RPRN: Interface.RPRN}
ANONYMOUS = "ANONYMOUS LOGON"
_LONG_POLL = (Interface.PAR, 61)  # RpcAsyncGetRemoteNotifications


@attrs.frozen
class RpcLimits:
    """What one connection may take (times are real seconds; the servers multiply them by their
    ``time_scale``).

    Attributes:
        max_frag: the largest fragment accepted or sent (octets; ``max_xmit_frag`` and
            ``max_recv_frag`` offered in bind_ack); a larger one ends the connection.
        max_request: the largest reassembled request stub (octets); a larger one gets
            ``nca_s_fault_access_denied`` and ends the connection.
        max_calls: calls outstanding at once; one more gets ``nca_s_server_too_busy``.
        idle_timeout: seconds without octets (and without a call outstanding) before the
            connection is closed.
        first_pdu_timeout: seconds from the connection opening to a whole bind, its first PDU;
            a deadline, not an idle timer: a client trickling octets is closed when it passes.
        max_peer_connections: connections one peer address may hold open at once to each
            server; one more is closed at once.
    """

    max_frag: int = 5840
    max_request: int = c.MAX_REQUEST_SIZE
    max_calls: int = 32
    idle_timeout: float = 300.0
    first_pdu_timeout: float = 30.0
    max_peer_connections: int = 16


class RpcFrontEnd:
    """MS-PAR and MS-RPRN on one surface, for any number of connections.

    Args:
        surface: the method surface of the server served.
        settings: who may call (``[rpc]``).
        limits: per-connection limits.
        time_scale: the clock's rate under ``MockClock(rate=R)``, so the idle timeout lasts the
            real seconds it says.
        challenge: the NTLM server challenge source (tests fix it).
    """

    def __init__(
        self,
        surface: Surface,
        settings: RpcSettings | None = None,
        *,
        limits: RpcLimits | None = None,
        time_scale: float = 1.0,
        challenge: Callable[[], bytes] | None = None,
    ) -> None:
        self.surface = surface
        self.settings = settings if settings is not None else RpcSettings()
        self.limits = limits if limits is not None else RpcLimits()
        self.time_scale = time_scale
        self._accounts = {u.name.lower(): u for u in self.settings.users}
        self._passwords = {u.name: u.password for u in self.settings.users}
        self._challenge = challenge
        self.connections = 0  # open now
        self.port = 0
        self._open_from: collections.Counter[str] = collections.Counter()  # by peer address

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Listen on ``host:port`` until cancelled; report the bound port."""
        listeners = await trio.open_tcp_listeners(port, host=host)
        self.port = listeners[0].socket.getsockname()[1]
        self.surface.server.aliases.add(host)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(functools.partial(trio.serve_listeners, self.handle, listeners))
            task_status.started(self.port)

    async def handle(self, stream: trio.SocketStream) -> None:
        """Serve one connection until it closes, breaks a rule, or idles out."""
        peer = _peer(stream)
        async with _admitted(self._open_from, peer, self.limits, stream, "rpc") as admitted:
            if admitted:
                await self._handle(stream, peer)

    async def _handle(self, stream: trio.SocketStream, peer: str) -> None:
        self.surface.server.aliases.add(_local(stream))
        conn = ServerConnection(
            INTERFACES,
            ntlm=self.ntlm(),
            max_frag=self.limits.max_frag,
            max_request=self.limits.max_request,
            secondary_address=str(self.port),
        )
        association = _Association(self, stream, conn, peer)
        self.connections += 1
        try:
            await association.run()
        except Exception:  # a bug must end this connection, not the server
            log.exception("rpc %s: internal error; connection closed", peer)
        finally:
            self.connections -= 1
            association.rundown()
            await stream.aclose()

    def ntlm(self) -> NtlmServer:
        """A connection's own NTLM acceptor (it holds that connection's challenge). With a
        timestamp in its target info, clients add a MIC, which it checks."""
        extra = {"challenge": self._challenge} if self._challenge is not None else {}
        now = _filetime_now
        return NtlmServer(self._passwords, target=self.surface.server.name, now=now, **extra)

    def principal(self, conn: ServerConnection, peer: str) -> Principal | None:
        """Who calls on ``conn``; None when the settings refuse that caller."""
        security = conn.security
        if security is None or security.anonymous:
            anonymous = Principal(ANONYMOUS, peer, frozenset({EVERYONE}))
            return anonymous if self.settings.anonymous else None
        account = self._accounts.get(security.user.lower())
        if account is None:  # NTLM accepted a name we do not hold: impossible, refuse anyway
            return None
        return (admin if account.admin else user)(account.name, machine=peer)


class _Association:
    """One connection's calls, handles and outgoing octets."""

    def __init__(
        self, front: RpcFrontEnd, stream: trio.SocketStream, conn: ServerConnection, peer: str
    ) -> None:
        self.front, self.stream, self.conn, self.peer = front, stream, conn, peer
        self.session: Session | None = None
        self.calls: dict[int, trio.CancelScope] = {}
        self.polls: set[int] = set()  # the calls among them that are long polls
        self.send_lock = trio.Lock()

    async def run(self) -> None:
        limits, scale = self.front.limits, self.front.time_scale
        bind_by = trio.current_time() + limits.first_pdu_timeout * scale
        async with trio.open_nursery() as nursery:
            try:
                while True:
                    idle = limits.idle_timeout * scale
                    deadline = math.inf if self.conn.bound else bind_by
                    data = None
                    with trio.move_on_at(min(trio.current_time() + idle, deadline)):
                        data = await self.stream.receive_some(65536)
                    if data is None and trio.current_time() >= deadline:
                        log.info(
                            "rpc %s: no bind within %gs, closing",
                            self.peer,
                            limits.first_pdu_timeout,
                        )
                        break
                    if data is None:
                        if self.calls:
                            continue  # a long poll outstanding is not idleness
                        log.info("rpc %s: idle for %gs, closing", self.peer, limits.idle_timeout)
                        break
                    self.conn.receive_data(data)
                    if not await self._pump(nursery):
                        # The client has sent all it will: answer the calls it made, but a
                        # notification that may never come is not worth waiting for.
                        for call_id in self.polls:
                            self.calls[call_id].cancel()
                        return
            except DceRpcError as exc:
                log.info("rpc %s: %s", self.peer, exc.detail)
                # What the octets before the bad PDU earned (a bind_ack), then the refusal.
                with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                    await self._send(self.conn.data_to_send() + (exc.reply or b""))
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
            nursery.cancel_scope.cancel()

    async def _pump(self, nursery: trio.Nursery) -> bool:
        """Act on every event the octets so far hold; False once the peer has closed."""
        while True:
            event = self.conn.next_event()
            pending = self.conn.data_to_send()
            if pending:
                await self._send(pending)
            if event is NEED_DATA:
                return True
            if isinstance(event, ConnectionClosed):
                return False
            if isinstance(event, Cancel):
                scope = self.calls.get(event.call_id)
                if scope is not None:
                    scope.cancel()
            elif isinstance(event, Call):
                if len(self.calls) >= self.front.limits.max_calls or event.call_id in self.calls:
                    await self._send(self.conn.fault(event, c.NCA_S_SERVER_TOO_BUSY))
                    continue
                self.calls[event.call_id] = scope = trio.CancelScope()
                nursery.start_soon(self._call, event, scope)

    async def _call(self, call: Call, scope: trio.CancelScope) -> None:
        try:
            with scope:
                answer = await self._answer(call)
                async with self.send_lock:  # signing order must be sending order
                    if isinstance(answer, bytes):
                        data = self.conn.respond(call, answer)
                    else:
                        data = self.conn.fault(call, answer)
                    await self.stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            self.calls.pop(call.call_id, None)
            self.polls.discard(call.call_id)

    async def _answer(self, call: Call) -> bytes | int:
        """The response stub, or a fault status."""
        session = self._session()
        if session is None:
            return c.NCA_S_FAULT_ACCESS_DENIED
        interface = INTERFACES[call.interface]
        try:
            decoded = decode_call(interface, call.opnum, call.stub)
        except UnknownOpnum:
            return c.NCA_S_OP_RNG_ERROR
        except NdrError as exc:
            log.info("rpc %s: opnum %d: %s", self.peer, call.opnum, exc.detail)
            return c.NCA_S_FAULT_NDR
        surface = self.front.surface
        if any(surface.lookup(h, session) is None for h in decoded.handles):
            return c.NCA_S_FAULT_CONTEXT_MISMATCH
        reply: Reply
        if (interface, call.opnum) == _LONG_POLL:
            self.polls.add(call.call_id)
            reply = await get_remote_notifications(surface, session, decoded.handles[0])
        else:
            reply = surface.invoke(session, decoded.method, *decoded.args)
        return encode_reply(decoded, reply)

    def _session(self) -> Session | None:
        if self.session is None:
            principal = self.front.principal(self.conn, self.peer)
            if principal is None:
                return None
            self.session = self.front.surface.open_session(principal)
            level = LEVEL_NAMES.get(self.conn.level, str(self.conn.level))
            log.info("rpc %s: calls as %s (auth %s)", self.peer, principal.user, level)
        return self.session

    async def _send(self, data: bytes) -> None:
        async with self.send_lock:
            await self.stream.send_all(data)

    def rundown(self) -> None:
        if self.session is not None:
            self.front.surface.rundown(self.session)


async def serve_epm(
    front: RpcFrontEnd,
    host: str = "127.0.0.1",
    port: int = 135,
    *,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """The endpoint mapper on ``host:port``: ``ept_map`` for MS-PAR and MS-RPRN answers with
    ``front``'s port, at the address the client reached."""
    listeners = await trio.open_tcp_listeners(port, host=host)
    bound = listeners[0].socket.getsockname()[1]
    open_from: collections.Counter[str] = collections.Counter()

    async def handle(stream: trio.SocketStream) -> None:
        async with _admitted(open_from, _peer(stream), front.limits, stream, "epm") as admitted:
            if admitted:
                await serve_one(stream)

    async def serve_one(stream: trio.SocketStream) -> None:
        address = _local(stream)
        table = {(i[0], i[1]): (address, front.port) for i in INTERFACES}
        conn = ServerConnection([epm.EPM], max_frag=front.limits.max_frag)
        idle = front.limits.idle_timeout * front.time_scale
        bind_by = trio.current_time() + front.limits.first_pdu_timeout * front.time_scale
        try:
            while True:
                data = None
                deadline = math.inf if conn.bound else bind_by
                with trio.move_on_at(min(trio.current_time() + idle, deadline)):
                    data = await stream.receive_some(65536)
                if data is None:
                    break
                conn.receive_data(data)
                if not await _epm_pump(conn, stream, table):
                    break
        except DceRpcError as exc:
            with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
                await stream.send_all(conn.data_to_send() + (exc.reply or b""))
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        except Exception:  # a bug must end this connection, not the server
            log.exception("epm: internal error; connection closed")
        finally:
            await stream.aclose()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(functools.partial(trio.serve_listeners, handle, listeners))
        task_status.started(bound)


async def _epm_pump(conn: ServerConnection, stream: trio.SocketStream, table: dict) -> bool:
    while True:
        event = conn.next_event()
        pending = conn.data_to_send()
        if pending:
            await stream.send_all(pending)
        if event is NEED_DATA:
            return True
        if isinstance(event, ConnectionClosed):
            return False
        if isinstance(event, Call):
            try:
                answer = conn.respond(event, epm.answer(event.opnum, event.stub, table))
            except epm.EpmError as exc:  # an unknown opnum too (its status is op_rng_error)
                log.info("epm: %s", exc.detail)
                answer = conn.fault(event, exc.status)
            await stream.send_all(answer)


@contextlib.asynccontextmanager
async def _admitted(
    open_from: collections.Counter[str],
    peer: str,
    limits: RpcLimits,
    stream: trio.SocketStream,
    what: str,
) -> AsyncIterator[bool]:
    """Count ``peer``'s connection while the block runs; False (and the stream closed) when
    the peer holds ``limits.max_peer_connections`` already."""
    if open_from[peer] >= limits.max_peer_connections:
        log.info("%s %s: %d connections open already, refused", what, peer, open_from[peer])
        await trio.aclose_forcefully(stream)
        yield False
        return
    open_from[peer] += 1
    try:
        yield True
    finally:
        open_from[peer] -= 1
        if not open_from[peer]:
            del open_from[peer]


def _filetime_now() -> int:
    """The wall clock as a FILETIME (100 ns units since 1601), for NTLM's MsvAvTimestamp."""
    return int(time.time() * 10_000_000) + 116_444_736_000_000_000


def _peer(stream: trio.SocketStream) -> str:
    try:
        return str(stream.socket.getpeername()[0])
    except (OSError, IndexError):
        return "unknown"


def _local(stream: trio.SocketStream) -> str:
    try:
        address = str(stream.socket.getsockname()[0])
    except (OSError, IndexError):
        return "127.0.0.1"
    return address if stream.socket.family == socket.AF_INET else address.split("%")[0]
