"""The machinery under every MS-PAR method: replies, handles, sessions, dispatch, buffers.

Theory of operation
-------------------
Each method is a plain function named as the spec names it (``RpcAsyncEnumJobs``) and registered
with its opnum by :func:`method`. It receives a :class:`Call` (who calls, on which server) and the
spec's in-parameters, and returns a :class:`Reply`: the Win32 code (or HRESULT for opnums 58-67)
and the out-parameters by their spec names. A :class:`~spoolsim.model.errors.SpoolerError`
raised anywhere below becomes that reply's code, so a protocol failure is always a return value.

Validation order, the same in every method: the handle (ERROR_INVALID_HANDLE for an unknown, closed,
foreign or wrong-kind handle), then the level (ERROR_INVALID_LEVEL), then access
(ERROR_ACCESS_DENIED), then the parameters, then the buffer size. A refused call changes nothing.

Handles are 20-byte context handles, as DCE/RPC carries them, made from a per-surface counter so
runs are deterministic. A handle belongs to the session that opened it; any other session using it
gets ERROR_INVALID_HANDLE, as a context handle from another association would.

The buffer contract: an Enum or Get result is the custom-marshaled ``*_INFO`` buffer from
``spoolsim.wire``; ``pcbNeeded`` is its exact length; when ``cbBuf`` is smaller the call fails with
ERROR_INSUFFICIENT_BUFFER (ERROR_MORE_DATA for the printer-data methods), returns no data and
still sets ``pcbNeeded``, so a second call with that size succeeds.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from spoolsim.model import security
from spoolsim.model.constants import Win32, hresult_from_win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.printers import Printer
from spoolsim.model.security import Principal
from spoolsim.model.server import PrintServer
from spoolsim.rpc.notifier import Notifier
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import pack

# RPC_S_PROCNUM_OUT_OF_RANGE (1745, 0x6D1, MS-ERREF): what a caller gets for an opnum this
# surface does not dispatch.
RPC_S_PROCNUM_OUT_OF_RANGE = 1745


@attrs.frozen
class Reply:
    """A method's result: ``status`` plus out-parameters, readable as attributes by spec name."""

    status: int
    out: Mapping[str, Any] = attrs.field(factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.out[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def ok(self) -> bool:
        return self.status == 0


@attrs.frozen
class Container:
    """An ``*_CONTAINER`` in-parameter: a level and the structure's fields by their spec names."""

    Level: int
    info: Mapping[str, Any] | None = None


class HandleKind(enum.Enum):
    SERVER = "server"
    PRINTER = "printer"
    JOB = "job"
    PORT = "port"
    XCV = "xcv"
    IC = "ic"
    NOTIFY = "notify"


@attrs.frozen
class Session:
    """One client's association: its principal and an id that owns its handles."""

    id: int
    principal: Principal


@attrs.define(eq=False)
class HandleState:
    kind: HandleKind
    session: int
    granted: int
    printer: Printer | None = None
    job_id: int | None = None
    port: str | None = None
    xcv: str | None = None
    datatype: str | None = None
    doc_job: int | None = None
    page_open: bool = False
    read_offset: int = 0
    devmode: bytes | None = None  # ResetPrinter's DEVMODE; None means the printer's


@attrs.frozen
class MethodSpec:
    opnum: int
    name: str
    func: Callable[..., Reply]
    hresult: bool


METHODS: dict[int, MethodSpec] = {}
BY_NAME: dict[str, MethodSpec] = {}


def method(opnum: int, *, hresult: bool = False) -> Callable[[Callable[..., Reply]], Callable]:
    """Register a method under its spec name and MS-PAR opnum."""

    def register(func: Callable[..., Reply]) -> Callable[..., Reply]:
        spec = MethodSpec(opnum, func.__name__, func, hresult)
        assert opnum not in METHODS, f"opnum {opnum} registered twice"
        METHODS[opnum] = spec
        BY_NAME[func.__name__] = spec
        return func

    return register


@attrs.define
class Surface:
    """The MS-PAR method surface over one :class:`PrintServer`.

    Args:
        server: the model.
        clock: returns the simulated time now; the runtime passes ``trio.current_time``.
        log_calls: append an ``rpc.call`` event per call (its name and status).
    """

    server: PrintServer
    clock: Callable[[], float] = lambda: 0.0
    log_calls: bool = True
    notifier: Notifier = attrs.field(init=False)
    _handles: dict[bytes, HandleState] = attrs.Factory(dict)
    _next_handle: int = 0
    _next_session: int = 0

    def __attrs_post_init__(self) -> None:
        self.notifier = Notifier(self.server)

    def open_session(self, principal: Principal) -> Session:
        self._next_session += 1
        return Session(self._next_session, principal)

    def new_handle(self, state: HandleState) -> bytes:
        self._next_handle += 1
        value = b"\0\0\0\0" + self._next_handle.to_bytes(8, "big") + b"SPLSIM\0\0"
        self._handles[value] = state
        return value

    def drop_handle(self, value: bytes) -> None:
        self._handles.pop(value, None)

    def lookup(self, value: object, session: Session) -> HandleState | None:
        state = self._handles.get(value) if isinstance(value, bytes) else None
        if state is None or state.session != session.id:
            return None
        return state

    def open_handles(self, session: Session | None = None) -> list[HandleState]:
        return [h for h in self._handles.values() if session is None or h.session == session.id]

    def rundown(self, session: Session) -> int:
        """Close every handle ``session`` still holds, as a DCE/RPC context-handle rundown does
        when the client's association ends: each with the method that closes its kind (so an
        open document is ended and subscriptions end with their handles). Returns how many."""
        closers = {HandleKind.NOTIFY: 59, HandleKind.IC: 37}
        held = [v for v, h in self._handles.items() if h.session == session.id]
        for value in held:
            state = self._handles.get(value)
            if state is not None:  # a printer's close also ends its notification handles
                self.invoke(session, closers.get(state.kind, 20), value)
        return len(held)

    def restart(self) -> int:
        """The spooler process ended (a crash or a service stop): every context handle and
        notification subscription dies with it, as they would with the server's associations.
        A later call with an old handle gets ERROR_INVALID_HANDLE (HRESULT_FROM_WIN32 of it for
        opnums 58-67), and a long poll waiting on a subscription wakes to answer so. Handle
        values and session ids keep counting, so nothing made later is mistaken for something
        from before. Returns how many handles were dropped."""
        dropped = len(self._handles)
        self._handles.clear()
        self.notifier.end_all()
        return dropped

    def invoke(self, session: Session, name_or_opnum: str | int, *args: Any, **kw: Any) -> Reply:
        """Call a method by spec name or opnum, as ``session``."""
        spec = (
            METHODS.get(name_or_opnum)
            if isinstance(name_or_opnum, int)
            else BY_NAME.get(name_or_opnum)
        )
        if spec is None:
            return Reply(RPC_S_PROCNUM_OUT_OF_RANGE)
        call = Call(self, session, self.clock())
        try:
            reply = spec.func(call, *args, **kw)
        except SpoolerError as err:
            code = hresult_from_win32(err.code) if spec.hresult else err.code
            reply = Reply(code, {"detail": err.detail})
        if self.log_calls:
            self.server.log.add(
                call.now, "rpc.call", spec.name, status=reply.status, user=session.principal.user
            )
        return reply


@attrs.frozen
class Call:
    """What a method sees: the surface, the caller's session and the time of the call."""

    surface: Surface
    session: Session
    now: float

    @property
    def server(self) -> PrintServer:
        return self.surface.server

    @property
    def principal(self) -> Principal:
        return self.session.principal

    def handle(self, value: object, *kinds: HandleKind) -> HandleState:
        """The live handle ``value`` of one of ``kinds``; ERROR_INVALID_HANDLE otherwise.

        A printer handle whose printer has been deleted gives ERROR_PRINTER_DELETED.
        """
        state = self.surface.lookup(value, self.session)
        if state is None or state.kind not in kinds:
            raise SpoolerError(Win32.ERROR_INVALID_HANDLE, "handle")
        if state.printer is not None and self.server.is_deleted(state.printer):
            raise SpoolerError(Win32.ERROR_PRINTER_DELETED, state.printer.name)
        return state


def require(state: HandleState, mask: int) -> None:
    """ERROR_ACCESS_DENIED unless the handle was granted every bit of ``mask``."""
    if state.granted & mask != mask:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"handle lacks access 0x{mask:08x}")


def check_level(level: int, allowed: Sequence[int]) -> None:
    if level not in allowed:
        raise SpoolerError(Win32.ERROR_INVALID_LEVEL, f"level {level}")


def buffered(
    family: str,
    level: int,
    records: Sequence[Mapping[str, Any]],
    cbBuf: int,
    *,
    out: str,
    count: str | None = "pcReturned",
    small: int = Win32.ERROR_INSUFFICIENT_BUFFER,
) -> Reply:
    """Apply the buffer contract to a marshaled ``family`` buffer at ``level``."""
    data = pack(LAYOUTS[(family, level)], records)
    return sized(data, len(records), cbBuf, out=out, count=count, small=small)


def sized(
    data: bytes,
    n: int,
    cbBuf: int,
    *,
    out: str,
    needed: str = "pcbNeeded",
    count: str | None = "pcReturned",
    small: int = Win32.ERROR_INSUFFICIENT_BUFFER,
) -> Reply:
    """The buffer contract over bytes already marshaled."""
    if cbBuf is None or cbBuf < 0:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "cbBuf")
    fits = cbBuf >= len(data)
    values: dict[str, Any] = {out: data if fits else None, needed: len(data)}
    if count is not None:
        values[count] = n if fits else 0
    return Reply(0 if fits else small, values)


def server_name_ok(server: PrintServer, name: str | None) -> bool:
    """Whether a ``pName`` names this server: NULL, empty, or ``\\\\NAME``."""
    if not name:
        return True
    return name.startswith("\\\\") and server.answers_to(name[2:].rstrip("\\"))


def check_server_name(server: PrintServer, name: str | None) -> None:
    if not server_name_ok(server, name):
        raise SpoolerError(Win32.ERROR_INVALID_NAME, f"server {name!r}")


def check_server_access(call: Call, mask: int, name: str | None = None) -> None:
    """For methods without a handle: ``name`` must be this server and the caller hold ``mask``
    on it (SERVER_ACCESS_ENUMERATE to list, SERVER_ACCESS_ADMINISTER to change)."""
    check_server_name(call.server, name)
    ok, _ = security.check(call.server.security, call.principal, mask, security.SERVER_MAPPING)
    if not ok:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"server access 0x{mask:08x}")
