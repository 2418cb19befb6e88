"""AddPrinterConnection: a client connects to a shared printer by Point and Print.

The flow follows the WDK's "Downloading Queue-Specific Files" and "Downloading Driver-Specific
Files" pages, in their order:

1. the client's remote provider connects (RpcAsyncOpenPrinter on the server);
2. the server sends the driver: the client asks for it with RpcAsyncGetPrinterDriver for its own
   environment (a size probe, then the call) and, unless the driver is in-box or already cached
   at the same version, downloads the files that differ and installs the driver in its spooler.
   Installing needs the client's Point and Print policy to allow the user (see
   :class:`~spoolsim.model.pointprint.PointAndPrintPolicy`): ERROR_ACCESS_DENIED otherwise;
3. the client copies the printer's registry data with RpcAsyncEnumPrinterKey and
   RpcAsyncEnumPrinterDataEx; for every ``CopyFiles\\<component>`` key the server runs its Point
   and Print DLL (COPYFILE_FLAG_SERVER_SPOOLER) and adds SourceDir and TargetDir to the reply
   (:mod:`spoolsim.rpc.data`);
4. the client caches the keys;
5. for every CopyFiles subkey: the client's DLL (COPYFILE_FLAG_CLIENT_SPOOLER) sees SourceDir and
   TargetDir expanded under the client's ``spool\\drivers``, the Files are downloaded, an event
   is logged, SpoolerCopyFileEvent(COPYFILE_EVENT_FILES_CHANGED) is called;
6. DrvPrinterEvent(PRINTER_EVENT_CACHE_REFRESH), then DrvPrinterEvent(PRINTER_EVENT_ADD_CONNECTION);
7. SpoolerCopyFileEvent(COPYFILE_EVENT_ADD_PRINTER_CONNECTION) for every CopyFiles subkey with a
   Module.

Every step is a ``pnp.*`` event. The flow is sans-I/O: :func:`add_printer_connection` is a
generator that yields what costs time on the network (:class:`RoundTrip` for an RPC call,
:class:`Download` for a file read from PRINT$) and is sent the simulated time when that is done.
:func:`run_now` drives it with no network at all.
"""

from __future__ import annotations

from collections.abc import Generator

import attrs

from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import ENVIRONMENT_DIRS, SPOOL_DRIVERS, Access, RegType, Win32
from spoolsim.model.driverfiles import driver_files
from spoolsim.model.drivers import Driver
from spoolsim.model.errors import SpoolerError
from spoolsim.model.events import EventLog
from spoolsim.model.files import FileRecord, basename
from spoolsim.model.pointprint import (
    COPYFILE_EVENT_ADD_PRINTER_CONNECTION,
    COPYFILE_EVENT_FILES_CHANGED,
    COPYFILE_FLAG_CLIENT_SPOOLER,
    COPYFILES_KEY,
    PRINTER_EVENT_ADD_CONNECTION,
    PRINTER_EVENT_CACHE_REFRESH,
    Connection,
    drivers_dir,
)
from spoolsim.model.printbrowse import host_of
from spoolsim.model.security import Principal
from spoolsim.rpc.core import Reply, Session, Surface
from spoolsim.wire.info import LAYOUTS, PRINTER_ENUM_VALUES
from spoolsim.wire.marshal import unpack, unpack_multi_sz, unpack_string

DRIVER_LEVEL = 6  # DRIVER_INFO_6: the files, and the date and version to compare


@attrs.frozen
class RoundTrip:
    """One RPC call to the server: a round trip, no bulk bytes."""

    call: str


@attrs.frozen
class Download:
    """One file read from the server's PRINT$ share: a round trip, then ``size`` bytes."""

    path: str
    size: int


Step = RoundTrip | Download


@attrs.frozen
class ConnectionResult:
    """How one AddPrinterConnection ended."""

    status: int
    client: str
    printer: str
    driver_source: str  # "inbox", "cache", "download", or "" when it failed first
    driver_files: int
    queue_files: int
    bytes: int
    started: float
    finished: float
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 0


class _Failed(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@attrs.define
class _Flow:
    client: ClientMachine
    surface: Surface
    session: Session
    printer: str
    log: EventLog
    now: float
    files: dict[str, int] = attrs.Factory(lambda: {"driver": 0, "queue": 0})
    bytes: int = 0

    def event(self, kind: str, **data: object) -> None:
        self.log.add(self.now, kind, self.client.name, printer=self.printer, **data)

    def call(self, name: str, *args: object) -> Generator[Step, float, Reply]:
        self.now = yield RoundTrip(name)
        return self.surface.invoke(self.session, name, *args)

    def sized_call(self, name: str, *args: object) -> Generator[Step, float, Reply]:
        """A call with a buffer, as a real client makes it: probe with 0, then the size told."""
        reply = yield from self.call(name, *args, 0)
        if reply.status in (Win32.ERROR_INSUFFICIENT_BUFFER, Win32.ERROR_MORE_DATA):
            needed = next(v for k, v in reply.out.items() if k.startswith("pcb"))
            reply = yield from self.call(name, *args, needed)
        return reply

    def download(self, path: str, size: int, kind: str) -> Generator[Step, float, None]:
        self.now = yield Download(path, size)
        self.files[kind] += 1
        self.bytes += size


def add_printer_connection(
    client: ClientMachine,
    surface: Surface,
    principal: Principal,
    printer: str,
    now: float,
    *,
    log: EventLog | None = None,
) -> Generator[Step, float, ConnectionResult]:
    """Connect ``principal`` on ``client`` to ``printer`` (``\\\\SERVER\\Printer``) on
    ``surface``'s server. Events go to ``log`` (the server's log by default)."""
    flow = _Flow(
        client,
        surface,
        surface.open_session(attrs.evolve(principal, machine=client.name)),
        printer,
        log if log is not None else surface.server.log,
        now,
    )
    started, source = now, ""
    handle = None
    try:
        server_name = host_of(printer)
        if server_name is None:
            raise _Failed(
                Win32.ERROR_INVALID_PRINTER_NAME, f"{printer!r} is not \\\\SERVER\\Printer"
            )
        flow.event("pnp.connect", user=principal.user, server=server_name)
        reply = yield from flow.call(
            "RpcAsyncOpenPrinter", printer, None, None, Access.PRINTER_ACCESS_USE
        )
        if not reply.ok:
            raise _Failed(reply.status, f"the server refused the open: {reply.status}")
        handle = reply.pHandle
        driver, source = yield from _driver(flow, handle, principal, server_name)
        keys = yield from _copy_registry(flow, handle)
        flow.event("pnp.keys_cached", keys=len(keys))
        copyfiles = yield from _queue_files(flow, keys)
        _printer_event(flow, PRINTER_EVENT_CACHE_REFRESH)
        _printer_event(flow, PRINTER_EVENT_ADD_CONNECTION)
        for key, module in copyfiles:
            _copy_file_event(flow, key, module, COPYFILE_EVENT_ADD_PRINTER_CONNECTION)
        client.connections[printer.lower()] = Connection(
            printer,
            server_name,
            driver.name,
            driver.driver_version,
            driver.driver_date,
            tuple(sorted(keys.items())),
            flow.now,
        )
        status, detail = 0, ""
    except _Failed as failure:
        status, detail = failure.status, failure.detail
    if handle is not None:
        yield from flow.call("RpcAsyncClosePrinter", handle)
    result = ConnectionResult(
        status,
        client.name,
        printer,
        source,
        flow.files["driver"],
        flow.files["queue"],
        flow.bytes,
        started,
        flow.now,
        detail,
    )
    if status:
        flow.event("pnp.failed", status=status, detail=detail)
    else:
        flow.event(
            "pnp.connected",
            driver=source,
            bytes=flow.bytes,
            files=flow.files["driver"] + flow.files["queue"],
            seconds=round(flow.now - started, 6),
        )
    return result


def _driver(
    flow: _Flow, handle: bytes, principal: Principal, server_name: str
) -> Generator[Step, float, tuple[Driver, str]]:
    """Step 2: the driver for the client's environment, from its store, its cache or the
    server."""
    client = flow.client
    env = client.environment
    reply = yield from flow.sized_call("RpcAsyncGetPrinterDriver", handle, env, DRIVER_LEVEL)
    if not reply.ok:
        raise _Failed(reply.status, f"no driver for {env} on the server: {reply.status}")
    info = unpack(LAYOUTS[("DRIVER_INFO", DRIVER_LEVEL)], reply.pDriver, 1)[0]
    name = str(info["Name"])
    wanted = (int(info["dwlDriverVersion"] or 0), int(info["ftDriverDate"] or 0))
    cached = client.spooler.drivers.find(name, env)
    if cached is not None and (cached.driver_version, cached.driver_date) == wanted:
        flow.event("pnp.driver", driver=name, source="cache")
        return cached, "cache"
    if client.has_inbox(name):
        driver = _install(client, _driver_of(info, env), {})
        flow.event("pnp.driver", driver=name, source="inbox")
        return driver, "inbox"
    refusal = client.policy.refuses(principal, server_name)
    if refusal:
        flow.event("pnp.denied", driver=name, reason=refusal)
        raise _Failed(Win32.ERROR_ACCESS_DENIED, refusal)
    server_driver = flow.surface.server.drivers.find(name, env)
    assert server_driver is not None  # the server just described it
    subdir = f"{ENVIRONMENT_DIRS[env]}\\{server_driver.version}"
    fetched: dict[str, FileRecord] = {}
    for path, record in driver_files(flow.surface.server.files, server_driver):
        file = basename(path)
        local = f"{SPOOL_DRIVERS}\\{subdir}\\{file}"
        if client.spooler.files.get(local) == record:
            continue  # the cache has this very file
        yield from flow.download(
            f"\\\\{server_name}\\print$\\{subdir}\\{file}", record.size, "driver"
        )
        fetched[local] = record
    driver = _install(client, server_driver, fetched)
    flow.event(
        "pnp.driver",
        driver=name,
        source="download",
        files=len(fetched),
        bytes=sum(r.size for r in fetched.values()),
    )
    return driver, "download"


def _driver_of(info: dict[str, object], env: str) -> Driver:
    def text(key: str) -> str:
        return basename(str(info.get(key) or ""))

    return Driver(
        name=str(info["Name"]),
        environment=env,
        version=int(info.get("cVersion") or 3),
        driver_path=text("DriverPath"),
        data_file=text("DataFile"),
        config_file=text("ConfigFile"),
        help_file=text("HelpFile"),
        dependent_files=tuple(basename(f) for f in info.get("DependentFiles") or ()),
        driver_version=int(info.get("dwlDriverVersion") or 0),
        driver_date=int(info.get("ftDriverDate") or 0),
    )


def _install(client: ClientMachine, driver: Driver, files: dict[str, FileRecord]) -> Driver:
    """Put the downloaded files in the client's driver directory and the driver in its
    spooler (replacing an older one of the same name)."""
    for path, record in files.items():
        client.spooler.files.put(path, record)
    local = attrs.evolve(driver, environment=client.environment)
    client.spooler.drivers.add(local)
    return local


def _copy_registry(
    flow: _Flow, handle: bytes
) -> Generator[Step, float, dict[str, tuple[tuple[str, int, bytes], ...]]]:
    """Step 3: every key under the printer, with its values, as the server returns them."""
    keys: dict[str, tuple[tuple[str, int, bytes], ...]] = {}
    pending = [""]
    while pending:
        path = pending.pop(0)
        reply = yield from flow.sized_call("RpcAsyncEnumPrinterKey", handle, path)
        if not reply.ok:
            raise _Failed(reply.status, f"EnumPrinterKey({path!r}) failed: {reply.status}")
        subkeys = unpack_multi_sz(reply.pSubkey) if reply.pSubkey else ()
        pending.extend(f"{path}\\{s}" if path else s for s in subkeys)
        if not path:
            continue
        reply = yield from flow.sized_call("RpcAsyncEnumPrinterDataEx", handle, path)
        if not reply.ok:
            raise _Failed(reply.status, f"EnumPrinterDataEx({path!r}) failed: {reply.status}")
        records = unpack(PRINTER_ENUM_VALUES, reply.pEnumValues or b"", reply.pnEnumValues)
        keys[path] = tuple(
            (str(r["pValueName"]), int(r["dwType"]), bytes(r["pData"] or b"")) for r in records
        )
    flow.event("pnp.keys_copied", keys=len(keys))
    return keys


def _value(values: tuple[tuple[str, int, bytes], ...], name: str) -> object:
    for value_name, type_, data in values:
        if value_name.lower() == name.lower():
            if type_ == RegType.REG_MULTI_SZ:
                return unpack_multi_sz(data)
            return unpack_string(data) if data else ""
    return None


def _queue_files(
    flow: _Flow, keys: dict[str, tuple[tuple[str, int, bytes], ...]]
) -> Generator[Step, float, list[tuple[str, str]]]:
    """Step 5: the files of every CopyFiles subkey. Returns (key, module) pairs."""
    client, server = flow.client, flow.surface.server
    done = []
    prefix = COPYFILES_KEY.lower() + "\\"
    for key in sorted(k for k in keys if k.lower().startswith(prefix)):
        values = keys[key]
        module = str(_value(values, "Module") or "")
        directory = str(_value(values, "Directory") or "")
        source = str(_value(values, "SourceDir") or "")
        target = str(_value(values, "TargetDir") or "")
        target = f"{drivers_dir(client.os)}\\{target}" if target else drivers_dir(client.os)
        dll = client.module(module)
        if dll is not None:
            try:
                source, target = dll.generate_copy_file_paths(
                    flow.printer, directory, source, target, COPYFILE_FLAG_CLIENT_SPOOLER
                )
            except SpoolerError as err:
                raise _Failed(err.code, f"{module} GenerateCopyFilePaths: {err.detail}") from None
        flow.event(
            "pnp.copy_file_paths",
            key=key,
            module=module,
            side="client",
            source=source,
            target=target,
        )
        names = _value(values, "Files") or ()
        moved = 0
        for name in names if isinstance(names, tuple) else (str(names),):
            record = server.files.get(_local_path(server.name, source, name))
            if record is None:
                raise _Failed(Win32.ERROR_FILE_NOT_FOUND, f"{source}\\{name} is not on the server")
            yield from flow.download(f"{source}\\{name}", record.size, "queue")
            client.spooler.files.put(f"{target}\\{name}", record)
            moved += record.size
        flow.event("pnp.files_downloaded", key=key, target=target, files=len(names), bytes=moved)
        if dll is not None:
            _copy_file_event(flow, key, module, COPYFILE_EVENT_FILES_CHANGED)
            done.append((key, module))
    return done


def _local_path(server: str, source: str, name: str) -> str:
    """``\\\\SERVER\\PRINT$\\Color\\x.icm`` as the server's own path under spool\\drivers."""
    share = f"\\\\{server}\\print$".lower()
    if source.lower().startswith(share):
        return f"{SPOOL_DRIVERS}{source[len(share) :]}\\{name}"
    return f"{source}\\{name}"


def _copy_file_event(flow: _Flow, key: str, module: str, event: int) -> None:
    dll = flow.client.module(module)
    if dll is None:
        return
    component = key.split("\\", 1)[1] if "\\" in key else key
    ok = dll.spooler_copy_file_event(flow.printer, component, event)
    flow.event("pnp.copy_file_event", key=key, module=module, event=event, ok=bool(ok))


def _printer_event(flow: _Flow, event: int) -> None:
    ok = flow.client.drv_printer_event(flow.printer, event, 0)
    flow.event("pnp.printer_event", event=event, ok=bool(ok))


def run_now(flow: Generator[Step, float, ConnectionResult], now: float) -> ConnectionResult:
    """Drive a flow with no network: every step takes no time."""
    try:
        next(flow)
        while True:
            flow.send(now)
    except StopIteration as stop:
        return stop.value
