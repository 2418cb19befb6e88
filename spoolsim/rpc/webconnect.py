"""Connect: a client adds a printer from the print server's web page (Internet Printing).

Theory of operation
-------------------
A user on a client opens ``http://SERVER/printers/<printer>/`` and clicks Connect. The steps, each
logged as a ``web.*`` event (subject: the client's name; every event carries ``printer``):

1. ``web.connect`` (user, server, url, zone, protected_mode). The browser's zone check comes
   before anything is fetched (:meth:`~spoolsim.model.clients.ClientMachine.zone_refuses`): a
   Restricted sites server, or an Internet-zone server with Protected Mode on, is refused with
   ERROR_ACCESS_DENIED: ``web.refused`` (zone, protected_mode, reason), then ``web.failed``.
2. The printer's page: one HTTP round trip. Behind it the server's web service reads the printer
   through the method surface as the user (RpcAsyncOpenPrinter, RpcAsyncGetPrinter level 2 with a
   size probe, RpcAsyncClosePrinter): ``web.printer`` (driver). An unknown printer fails with the
   surface's code (ERROR_INVALID_PRINTER_NAME).
3. An in-box driver (``client.has_inbox``) is installed from the client's own store:
   ``web.driver`` (source ``inbox``), nothing downloaded.
4. A driver the client's spooler already holds for its environment, at the server's driver
   version and date, is used as it is: ``web.driver`` (source ``cache``).
5. Otherwise the client asks the server for a driver package for its environment
   (:mod:`spoolsim.model.webpackages`): the precompiled ``cab`` for Windows Vista and later, a
   package built from the driver's INF (``inf``) before Vista. Each request is one HTTP round
   trip to ``.package/<arch>[-inf].cab``. A package built earlier is served from the server's
   cache (``web.package_cached``: driver, environment, package, bytes); otherwise the server builds
   it (``web.package_built``: driver, environment, package, files, bytes, attempts). A failed
   attempt is ``web.package_attempt`` (n, status, package, environment, detail); an ``inf`` build is
   tried up to five times in all, one round trip each, then the flow fails with the last code
   and the message ``Printer Installation Failed, Error Code = `` followed by the code in eight
   hex digits (``E0000102``). A built or cached package is downloaded (one :class:`Download` of
   its size) and its driver installed in the client's spooler: ``web.driver`` (source
   ``download``, package, bytes).
6. The client's spooler gets a port named by the printer's URL,
   ``http://SERVER/printers/<printer>/.printer`` (``web.port_created``: port), under the
   :data:`INTERNET_PORT_MONITOR`, and a local printer ``<printer> on http://SERVER`` on that port
   with the driver; then ``web.connected`` (source, package, bytes, port, local_printer,
   seconds). Connecting again adds no second port or printer. A failure after step 1 ends with
   ``web.failed`` (status, detail, message).

The flow is sans-I/O, as :mod:`spoolsim.rpc.pointprint` is: :func:`web_connect` is a generator
that yields the :class:`RoundTrip` and :class:`Download` steps of that module (a ``RoundTrip``'s
``call`` is the HTTP request, ``"GET <url>"``) and is sent the simulated time when each is done;
:func:`run_now` drives it with no network. Outcomes are Win32 or SetupAPI codes in
:class:`WebConnectResult`, never exceptions.

Sources and assumptions. Microsoft documents that installing a printer through Internet Printing
on a Windows 2000 / XP / Server 2003 client from an x64 print server can fail with "Printer
Installation Failed ... Error Code = E0000102" when the printer's x86 INF names its media only in
``[SourceDisksNames.x86]``: the server reads the INF for its own architecture to build the
client's package, and renaming the section to ``[SourceDisksNames]`` is the fix. Vista and later
clients take a precompiled package instead and are not affected. The five attempts, the zone and
Protected Mode rules, the URL of the package, the name of the client's local printer and the
Internet Port monitor are the issue's model or ours, not transcriptions of Windows.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

import attrs

from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import Access, Win32
from spoolsim.model.driverfiles import driver_directory
from spoolsim.model.drivers import Driver
from spoolsim.model.errors import SpoolerError
from spoolsim.model.events import EventLog
from spoolsim.model.files import FileRecord, join
from spoolsim.model.ports import Monitor, Port
from spoolsim.model.printers import Printer, printer_name_ok
from spoolsim.model.security import Principal
from spoolsim.model.webpackages import (
    INF_BUILD_ATTEMPTS,
    PACKAGE_INF,
    WebPackage,
    build_package,
    cached_package,
    package_kind,
    package_url,
    page_url,
    port_url,
)
from spoolsim.rpc.core import Reply, Session, Surface
from spoolsim.rpc.pointprint import Download, RoundTrip, Step
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack

# The client spooler's owner of http ports. On Windows the Internet Print Provider (inetpp.dll)
# handles them; the model files them under a monitor of that name so the spooler can hold them.
INTERNET_PORT_MONITOR = "Internet Port"
INTERNET_PORT_DLL = "inetpp.dll"


@attrs.frozen
class WebConnectResult:
    """How one Connect ended.

    Attributes:
        status: 0, or the Win32 / SetupAPI code of the failure.
        client: the client machine's name.
        printer: the printer as named in its URL.
        driver_source: ``inbox``, ``cache``, ``download``, or "" when it failed before.
        package: the kind of package asked for (``cab`` or ``inf``), "" when none was.
        bytes: bytes downloaded.
        port: the client's port (the printer's URL) once connected, else "".
        attempts: build attempts the server made for this connection (0 for a cached package).
        started, finished: simulated times.
        detail: why it failed, for logs.
        message: what the user sees.
    """

    status: int
    client: str
    printer: str
    driver_source: str
    package: str
    bytes: int
    port: str
    attempts: int
    started: float
    finished: float
    detail: str = ""
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0


def local_printer_name(server: str, printer: str) -> str:
    """The client's local printer for a web connection: ``<printer> on http://SERVER``."""
    return f"{printer} on http://{server}"


def install_failed(status: int) -> str:
    """The message a failed driver installation shows."""
    return f"Printer Installation Failed, Error Code = {status & 0xFFFFFFFF:08X}"


class _Failed(Exception):
    def __init__(self, status: int, detail: str, message: str = "") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.message = message or install_failed(status)


@attrs.define
class _Flow:
    client: ClientMachine
    surface: Surface
    session: Session
    printer: str
    log: EventLog
    now: float
    source: str = ""
    package: str = ""
    bytes: int = 0
    attempts: int = 0

    def event(self, name: str, /, **data: object) -> None:
        self.log.add(self.now, name, self.client.name, printer=self.printer, **data)

    def request(self, url: str) -> Generator[Step, float, None]:
        self.now = yield RoundTrip(f"GET {url}")

    def call(self, name: str, *args: object) -> Reply:
        """A call the server's web service makes locally, inside the page's round trip."""
        return self.surface.invoke(self.session, name, *args)


def web_connect(
    client: ClientMachine,
    surface: Surface,
    principal: Principal,
    printer: str,
    now: float,
    *,
    log: EventLog | None = None,
) -> Generator[Step, float, WebConnectResult]:
    """Connect ``principal`` on ``client`` to ``printer`` (a printer or share name on
    ``surface``'s server) from the printer's web page. Events go to ``log`` (the server's log by
    default)."""
    server_name = surface.server.name
    flow = _Flow(
        client,
        surface,
        surface.open_session(attrs.evolve(principal, machine=client.name)),
        printer,
        log if log is not None else surface.server.log,
        now,
    )
    zone = client.zone_of(server_name)
    flow.event(
        "web.connect",
        user=principal.user,
        server=server_name,
        url=page_url(server_name, printer),
        zone=zone,
        protected_mode=client.protected_mode,
    )
    port = ""
    refusal = client.zone_refuses(server_name)
    try:
        if refusal:
            flow.event(
                "web.refused", zone=zone, protected_mode=client.protected_mode, reason=refusal
            )
            raise _Failed(Win32.ERROR_ACCESS_DENIED, refusal, refusal)
        yield from flow.request(page_url(server_name, printer))
        driver_name = _read_printer(flow, server_name)
        flow.event("web.printer", driver=driver_name)
        driver = yield from _driver(flow, driver_name)
        port = _add_printer(flow, driver, server_name)
        status, detail, message = 0, "", f"Connected to {printer} on {server_name}"
    except _Failed as failure:
        status, detail, message = failure.status, failure.detail, failure.message
    if status:
        flow.event("web.failed", status=status, detail=detail, message=message)
    else:
        flow.event(
            "web.connected",
            source=flow.source,
            package=flow.package,
            bytes=flow.bytes,
            port=port,
            local_printer=local_printer_name(server_name, printer),
            seconds=round(flow.now - now, 6),
        )
    return WebConnectResult(
        status,
        client.name,
        printer,
        flow.source,
        flow.package,
        flow.bytes,
        port,
        flow.attempts,
        now,
        flow.now,
        detail,
        message,
    )


def _read_printer(flow: _Flow, server_name: str) -> str:
    """Step 2, on the server: the printer's driver name, read as the user."""
    printer = flow.printer

    def failed(reply: Reply, what: str) -> _Failed:
        detail = f"{what}: {reply.out.get('detail') or reply.status}"
        return _Failed(
            reply.status, detail, f"Cannot open {printer} on {server_name}, error {reply.status}"
        )

    if not printer_name_ok(printer):
        bad = Reply(Win32.ERROR_INVALID_PRINTER_NAME, {"detail": f"printer name {printer!r}"})
        raise failed(bad, "the page")
    opened = flow.call("RpcAsyncOpenPrinter", printer, None, None, Access.PRINTER_ACCESS_USE)
    if not opened.ok:
        raise failed(opened, "OpenPrinter")
    handle = opened.pHandle
    try:
        reply = flow.call("RpcAsyncGetPrinter", handle, 2, 0)
        if reply.status == Win32.ERROR_INSUFFICIENT_BUFFER:
            reply = flow.call("RpcAsyncGetPrinter", handle, 2, reply.pcbNeeded)
        if not reply.ok:
            raise failed(reply, "GetPrinter")
    finally:
        flow.call("RpcAsyncClosePrinter", handle)
    info = unpack(LAYOUTS[("PRINTER_INFO", 2)], reply.pPrinter, 1)[0]
    return str(info["pDriverName"])


def _driver(flow: _Flow, name: str) -> Generator[Step, float, Driver]:
    """Steps 3 to 5: the driver from the client's store, its cache, or a package."""
    client, server = flow.client, flow.surface.server
    env = client.environment
    on_server = server.drivers.find(name, env)
    if client.has_inbox(name):
        # The in-box driver is described by the server's record (for the client's environment,
        # else for the server's own); its files are the client's own.
        base = on_server or server.drivers.find(name, server.environment)
        if base is None:
            raise _Failed(Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"the server has no {name!r}")
        driver = _install(client, base, ())
        flow.source = "inbox"
        flow.event("web.driver", driver=name, source="inbox")
        return driver
    cached = client.spooler.drivers.find(name, env)
    if (
        cached is not None
        and on_server is not None
        and (cached.driver_version, cached.driver_date)
        == (on_server.driver_version, on_server.driver_date)
    ):
        flow.source = "cache"
        flow.event("web.driver", driver=name, source="cache")
        return cached
    kind = package_kind(client.os_version)
    flow.package = kind
    package = yield from _package(flow, name, kind)
    url = package_url(server.name, flow.printer, env, kind)
    flow.now = yield Download(url, package.size)
    flow.bytes += package.size
    driver = _install(client, package.driver, package.driver_files)
    flow.source = "download"
    flow.event(
        "web.driver", driver=name, source="download", package=kind, bytes=package.size, url=url
    )
    return driver


def _package(flow: _Flow, name: str, kind: str) -> Generator[Step, float, WebPackage]:
    """Step 5: ask the server for the package, as often as it is tried."""
    server, env = flow.surface.server, flow.client.environment
    url = package_url(server.name, flow.printer, env, kind)
    tries = INF_BUILD_ATTEMPTS if kind == PACKAGE_INF else 1
    failure: SpoolerError | None = None
    for n in range(1, tries + 1):
        yield from flow.request(url)
        package = cached_package(server, name, env, kind)
        if package is not None:
            flow.event(
                "web.package_cached", driver=name, environment=env, package=kind, bytes=package.size
            )
            return package
        flow.attempts = n
        try:
            package = build_package(server, flow.now, name, env, kind)
        except SpoolerError as err:
            flow.event(
                "web.package_attempt",
                n=n,
                status=err.code,
                package=kind,
                environment=env,
                detail=err.detail,
            )
            failure = err
            continue
        flow.event(
            "web.package_built",
            driver=name,
            environment=env,
            package=kind,
            files=len(package.files),
            bytes=package.size,
            attempts=n,
        )
        return package
    assert failure is not None  # at least one attempt was made, and it failed
    raise _Failed(failure.code, failure.detail)


def _install(
    client: ClientMachine, driver: Driver, files: tuple[tuple[str, FileRecord], ...]
) -> Driver:
    """Put ``files`` in the client's driver directory and ``driver`` in its spooler."""
    env = client.environment
    home = driver_directory(env, driver.version)
    local = attrs.evolve(driver, environment=env)
    try:
        client.spooler.drivers.check(local)
    except SpoolerError as err:
        raise _Failed(
            err.code, f"installing {driver.name} on {client.name}: {err.detail}"
        ) from None
    for name, record in files:
        client.spooler.files.put(join(home, name), record)
    client.spooler.drivers.add(local)
    return local


def _add_printer(flow: _Flow, driver: Driver, server_name: str) -> str:
    """Step 6: the port named by the printer's URL, and the local printer on it."""
    spooler = flow.client.spooler
    port = port_url(server_name, flow.printer)
    try:
        if port.lower() not in spooler.ports:
            if INTERNET_PORT_MONITOR.lower() not in spooler.monitors:
                spooler.monitors[INTERNET_PORT_MONITOR.lower()] = Monitor(
                    INTERNET_PORT_MONITOR, spooler.environment, INTERNET_PORT_DLL
                )
            spooler.add_port(Port(port, INTERNET_PORT_MONITOR, "Internet Port"), flow.now)
            flow.event("web.port_created", port=port)
        name = local_printer_name(server_name, flow.printer)
        if name.lower() not in spooler.printers:
            spooler.add_printer(Printer(name, [port], driver.name), flow.now)
    except SpoolerError as err:
        raise _Failed(err.code, f"adding the printer on {flow.client.name}: {err.detail}") from None
    return port


R = TypeVar("R")


def run_now(flow: Generator[Step, float, R], now: float) -> R:
    """Drive a flow with no network: every step takes no time."""
    try:
        next(flow)
        while True:
            flow.send(now)
    except StopIteration as stop:
        return stop.value
