"""The print server: every object the spooler holds, and the operations that change them.

All operations are synchronous and take the simulated time ``now``; each appends what it did to
the event log and raises :class:`SpoolerError` (with the Win32 code) when a rule refuses it. The
method surface in ``spoolsim.rpc`` adds handles, access checks and buffers on top; the runtime in
``spoolsim.runtime`` calls :meth:`PrintServer.next_job`, :meth:`PrintServer.start_job` and
:meth:`PrintServer.job_sent` to print, and :meth:`PrintServer.stop_service` and
:meth:`PrintServer.start_service` when the spooler service stops (or crashes) and starts again.
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Callable

import attrs

from spoolsim.model.constants import (
    ENV_X64,
    LOCAL_MONITOR,
    MAX_PRIORITY,
    MIN_PRIORITY,
    TCPIP_MONITOR,
    WINPRINT,
    WINPRINT_DATATYPES,
    JobControl,
    PortSeverity,
    PortStatus,
    PrinterAttributes,
    PrinterStatus,
    RegType,
    Win32,
)
from spoolsim.model.drivers import DriverStore
from spoolsim.model.errors import SpoolerError
from spoolsim.model.eventchannels import EventChannels
from spoolsim.model.events import EventLog
from spoolsim.model.files import FileSystem
from spoolsim.model.forms import FormStore
from spoolsim.model.jobs import Job, JobStatus, Phase, next_phase
from spoolsim.model.packages import PackageStore
from spoolsim.model.pointprint import MachineConnection, PointAndPrintDll
from spoolsim.model.ports import Monitor, Port, PrintProcessor, TcpConfig
from spoolsim.model.printbrowse import (
    BROWSE_VALUES,
    BrowseSettings,
    NetPrinterCache,
    default_browse_settings,
)
from spoolsim.model.printers import Printer, printer_name_ok, within_hours
from spoolsim.model.security import SecurityDescriptor, default_server_security
from spoolsim.model.spooldir import (
    LOST_NO_PRINTER,
    RESTART_REASON,
    Fate,
    Recovery,
    ShadowRecord,
    SpoolDirectory,
    fate,
    is_raw,
    restored_job,
)
from spoolsim.model.webpackages import WebPackageCache

DEFAULT_EPOCH = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)  # a Monday, 08:00
MAX_JOB_ID = 0x7FFFFFFF


def _dword(v: int) -> tuple[int, bytes]:
    return RegType.REG_DWORD, struct.pack("<I", v & 0xFFFFFFFF)


def _sz(s: str) -> tuple[int, bytes]:
    return RegType.REG_SZ, (s + "\0").encode("utf-16-le")


# Server values that SetPrinterData(Ex) may change, and the registry type each takes. The list is
# the one ReactOS' local spooler accepts, imitating Windows Server 2003 (fact sheet section 8).
SETTABLE_SERVER_VALUES: dict[str, RegType] = {
    "DefaultSpoolDirectory": RegType.REG_SZ,
    "PortThreadPriority": RegType.REG_DWORD,
    "SchedulerThreadPriority": RegType.REG_DWORD,
    "BeepEnabled": RegType.REG_DWORD,
    "AllowUserManageForms": RegType.REG_DWORD,
    "NetPopup": RegType.REG_DWORD,
    "RetryPopup": RegType.REG_DWORD,
    "NetPopupToComputer": RegType.REG_DWORD,
    "EventLog": RegType.REG_DWORD,
    "RestartJobOnPoolError": RegType.REG_DWORD,
    "RestartJobOnPoolEnabled": RegType.REG_DWORD,
    "NoRemotePrinterDrivers": RegType.REG_SZ,
    # Print browsing (fact sheet section 9): the server thread reads them before each round.
    **dict.fromkeys(BROWSE_VALUES, RegType.REG_DWORD),
}
# Accepted by SetPrinterData and ignored; GetPrinterData refuses it (ReactOS).
IGNORED_SERVER_VALUES = frozenset({"webmgmt", "websharemgmt"})


def default_settings() -> dict[str, int | str]:
    return {
        "DefaultSpoolDirectory": "C:\\Windows\\system32\\spool\\PRINTERS",
        "PortThreadPriority": 0,
        "SchedulerThreadPriority": 0,
        "BeepEnabled": 0,
        # Off: only administrators manage forms unless the setting allows users (the value exists
        # from XP SP2; its default is not in our sources, and the restrictive one is the safe one).
        "AllowUserManageForms": 0,
        "NetPopup": 0,
        "RetryPopup": 0,
        "NetPopupToComputer": 0,
        "EventLog": 1,
        "RestartJobOnPoolError": 600,
        "RestartJobOnPoolEnabled": 1,
        "NoRemotePrinterDrivers": "",
        **default_browse_settings(),
    }


@attrs.define
class PrintServer:
    """One print server.

    Args:
        name: the NetBIOS name, without backslashes.
        environment: the server's own architecture (its ``Architecture`` value).
        os_version: (major, minor, build) reported in OSVersion / OSVersionEx.
        epoch: the wall-clock instant of simulated time 0 (for Submitted and StartTime/UntilTime).
        aliases: other names a caller may use for this server in ``\\\\NAME`` (its DNS name, the
            addresses a network front end listens on), as Windows answers to its IP addresses.
    """

    name: str = "SPOOLSIM"
    environment: str = ENV_X64
    os_version: tuple[int, int, int] = (10, 0, 20348)
    epoch: dt.datetime = DEFAULT_EPOCH
    aliases: set[str] = attrs.Factory(set)
    log: EventLog = attrs.Factory(EventLog)
    settings: dict[str, int | str] = attrs.Factory(default_settings)
    security: SecurityDescriptor = attrs.Factory(default_server_security)
    forms: FormStore = attrs.Factory(FormStore.with_builtins)
    drivers: DriverStore = attrs.Factory(DriverStore)
    printers: dict[str, Printer] = attrs.Factory(dict)
    jobs: dict[int, Job] = attrs.Factory(dict)
    ports: dict[str, Port] = attrs.Factory(dict)
    monitors: dict[str, Monitor] = attrs.Factory(dict)
    processors: dict[str, PrintProcessor] = attrs.Factory(dict)
    browse: NetPrinterCache = attrs.Factory(NetPrinterCache)
    # The server's files (driver directories, staged packages) and its driver store.
    files: FileSystem = attrs.Factory(FileSystem)
    packages: PackageStore = attrs.Factory(PackageStore)
    # Point and Print DLLs by module name (GenerateCopyFilePaths on the server side).
    point_and_print_dlls: dict[str, PointAndPrintDll] = attrs.Factory(dict)
    # Per-machine connections (opnums 55-57), by lower-case printer name.
    machine_connections: dict[str, MachineConnection] = attrs.Factory(dict)
    # Driver packages built for web printer connections (Internet Printing's Connect).
    web_packages: WebPackageCache = attrs.Factory(WebPackageCache)
    # Called with a job after a change the event log does not record (data written, a page
    # ended, print progress); change notifications watch these beside the log.
    job_watchers: list[Callable[[Job], None]] = attrs.Factory(list)
    # Windows event channels (PrintService Admin/Operational), e.g. for branch office logs.
    channels: EventChannels = attrs.Factory(EventChannels)
    # While the spooler service is stopped: the spool directory it left (None while it runs).
    stopped: SpoolDirectory | None = None
    _last_job_id: int = 0
    _by_port: dict[str, list[Printer]] | None = None  # port key -> printers (see printers_on)

    def __attrs_post_init__(self) -> None:
        for mon, dll in ((LOCAL_MONITOR, "localspl.dll"), (TCPIP_MONITOR, "tcpmon.dll")):
            self.monitors[mon.lower()] = Monitor(mon, self.environment, dll)
        self.processors[WINPRINT.lower()] = PrintProcessor(
            WINPRINT, self.environment, "winprint.dll", WINPRINT_DATATYPES
        )
        for port in ("LPT1:", "LPT2:", "COM1:", "FILE:", "NUL:"):
            self.ports[port.lower()] = Port(port, LOCAL_MONITOR, "Local Port")

    # -- time ------------------------------------------------------------------------------------

    def wallclock(self, now: float) -> dt.datetime:
        return self.epoch + dt.timedelta(seconds=now)

    def systemtime(self, now: float) -> tuple[int, ...]:
        """SYSTEMTIME fields (year, month, weekday with Sunday = 0, day, h, m, s, ms) in UTC."""
        w = self.wallclock(now)
        return (
            w.year,
            w.month,
            (w.weekday() + 1) % 7,
            w.day,
            w.hour,
            w.minute,
            w.second,
            w.microsecond // 1000,
        )

    def minute_of_day(self, now: float) -> int:
        w = self.wallclock(now)
        return w.hour * 60 + w.minute

    # -- server data values ----------------------------------------------------------------------

    def server_value(self, name: str) -> tuple[int, bytes]:
        """GetPrinterData on the server handle: (type, bytes), or ERROR_INVALID_PARAMETER.

        Types follow Samba's server (REG_SZ / REG_DWORD, REG_BINARY for OSVersion(Ex)); the spec
        leaves most of them unstated and ReactOS' REG_NONE imitation is the outlier.
        """
        key = (name or "").lower()
        for setting, value in self.settings.items():
            if setting.lower() == key:
                return _sz(value) if isinstance(value, str) else _dword(value)
        major, minor, build = self.os_version
        fixed = {
            "architecture": _sz(self.environment),
            "dnsmachinename": _sz(f"{self.name.lower()}.spoolsim.test"),
            "dspresent": _dword(0),
            "dspresentforuser": _dword(0),
            "majorversion": _dword(3),
            "minorversion": _dword(0),
            "portthreadprioritydefault": _dword(0),
            "schedulerthreadprioritydefault": _dword(0),
            "remotefax": _dword(1),
            "w3svcinstalled": _dword(0),
            "osversion": (RegType.REG_BINARY, self._osversion(major, minor, build, ex=False)),
            "osversionex": (RegType.REG_BINARY, self._osversion(major, minor, build, ex=True)),
        }
        if key in fixed:
            return fixed[key]
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"no server value {name!r}")

    @staticmethod
    def _osversion(major: int, minor: int, build: int, *, ex: bool) -> bytes:
        size = 284 if ex else 276
        body = struct.pack("<5I", size, major, minor, build, 2) + b"\0" * 256
        if ex:
            # service pack major/minor, suite mask, product type VER_NT_SERVER (3), reserved
            body += struct.pack("<HHHBB", 0, 0, 0x0110, 3, 0)
        return body

    def set_server_value(self, name: str, type_: int, data: bytes, now: float) -> None:
        if (name or "").lower() in IGNORED_SERVER_VALUES:
            return
        key = (name or "").lower()
        setting = next((v for v in SETTABLE_SERVER_VALUES if v.lower() == key), None)
        if setting is None:
            raise SpoolerError(
                Win32.ERROR_INVALID_PARAMETER, f"server value {name!r} is not settable"
            )
        want = SETTABLE_SERVER_VALUES[setting]
        if type_ != want:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{setting} takes {want.name}")
        if want == RegType.REG_DWORD:
            if len(data) < 4:
                raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"{setting}: 4 bytes needed")
            value: int | str = struct.unpack_from("<I", data)[0]
        else:
            value = bytes(data).decode("utf-16-le", "replace").split("\0", 1)[0]
        if setting in BROWSE_VALUES:
            problems = BrowseSettings.of({**self.settings, setting: value}).problems()
            if problems:
                raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "; ".join(problems))
        self.settings[setting] = value
        self.log.add(now, "server.set", self.name, key=setting, value=value)

    @property
    def browse_settings(self) -> BrowseSettings:
        return BrowseSettings.of(self.settings)

    # -- printers --------------------------------------------------------------------------------

    def printer(self, name: str) -> Printer:
        p = self.printers.get((name or "").lower())
        if p is None:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"no printer {name!r}")
        return p

    def processor(self, name: str) -> PrintProcessor:
        proc = self.processors.get((name or "").lower())
        if proc is None:
            raise SpoolerError(Win32.ERROR_UNKNOWN_PRINTPROCESSOR, f"no print processor {name!r}")
        return proc

    def check_printer_config(self, p: Printer) -> None:
        """The checks AddPrinter and SetPrinter level 2 share, in the order Windows makes them."""
        for port in p.ports:
            if port.lower() not in self.ports:
                raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, f"no port {port!r}")
        if not p.ports:
            raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, "no port given")
        if not self.drivers.find(p.driver_name, self.environment):
            raise SpoolerError(Win32.ERROR_UNKNOWN_PRINTER_DRIVER, f"no driver {p.driver_name!r}")
        proc = self.processor(p.print_processor)
        if p.datatype and not proc.supports(p.datatype):
            raise SpoolerError(Win32.ERROR_INVALID_DATATYPE, f"datatype {p.datatype!r}")
        for prio in (p.priority, p.default_priority):
            if prio and not MIN_PRIORITY <= prio <= MAX_PRIORITY:
                raise SpoolerError(Win32.ERROR_INVALID_PRIORITY, f"priority {prio}")
        if not (0 <= p.start_time < 1440 and 0 <= p.until_time < 1440):
            raise SpoolerError(Win32.ERROR_INVALID_TIME, "start/until time")

    def add_printer(self, printer: Printer, now: float) -> Printer:
        if not printer_name_ok(printer.name):
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"printer name {printer.name!r}")
        if printer.name.lower() in self.printers:
            raise SpoolerError(Win32.ERROR_PRINTER_ALREADY_EXISTS, printer.name)
        self.check_printer_config(printer)
        printer.created = now
        self.printers[printer.name.lower()] = printer
        self._by_port = None
        self.log.add(now, "printer.added", printer.name, ports=printer.port_name)
        return printer

    def delete_printer(self, p: Printer, now: float) -> None:
        """Delete now, or mark PENDING_DELETION until the last job has left the queue.

        A held (paused) printer with jobs refuses with ERROR_ACCESS_DENIED, as Win32's
        DeletePrinter documents: its jobs could never leave, so it would never go.
        """
        if p.queue and p.status & PrinterStatus.PAUSED:
            raise SpoolerError(Win32.ERROR_ACCESS_DENIED, f"{p.name} is held with jobs queued")
        if p.queue:
            p.pending_deletion = True
            self.log.add(now, "printer.pending_deletion", p.name, jobs=len(p.queue))
            return
        self._remove_printer(p, now)

    def rename_printer(self, p: Printer, new_name: str, now: float) -> None:
        """SetPrinter level 2 with a new pPrinterName: the queue and its jobs follow."""
        old = p.name
        del self.printers[old.lower()]
        p.name = new_name
        self.printers[new_name.lower()] = p
        self._by_port = None
        for job_id in p.queue:
            self.jobs[job_id].printer_name = new_name
        self.log.add(now, "printer.renamed", new_name, old=old)

    def _remove_printer(self, p: Printer, now: float) -> None:
        self.printers.pop(p.name.lower(), None)
        self._by_port = None
        self.log.add(now, "printer.deleted", p.name)

    def printers_on(self, port_name: str) -> list[Printer]:
        """The printers that print to ``port_name``, in name order.

        An index, rebuilt after a printer is added, removed or renamed, or ``ports_changed``.
        """
        if self._by_port is None:
            index: dict[str, list[Printer]] = {}
            for p in sorted(self.printers.values(), key=lambda p: p.name.lower()):
                for key in dict.fromkeys(name.lower() for name in p.ports):
                    index.setdefault(key, []).append(p)
            self._by_port = index
        return self._by_port.get(port_name.lower(), [])

    def ports_changed(self) -> None:
        """A printer's port list was changed in place (SetPrinter): rebuild ``printers_on``."""
        self._by_port = None

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` (without backslashes) names this server: its NetBIOS name or an
        alias, case-insensitively."""
        name = name.lower()
        return name == self.name.lower() or any(name == a.lower() for a in self.aliases)

    def is_deleted(self, p: Printer) -> bool:
        return self.printers.get(p.name.lower()) is not p

    def pause_printer(self, p: Printer, now: float) -> None:
        if p.pending_deletion:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_STATE, f"{p.name} is pending deletion")
        p.status |= PrinterStatus.PAUSED
        self.log.add(now, "printer.paused", p.name)

    def resume_printer(self, p: Printer, now: float) -> None:
        p.status &= ~PrinterStatus.PAUSED
        self.log.add(now, "printer.resumed", p.name)

    def purge_printer(self, p: Printer, now: float) -> None:
        """Delete every job of the printer (those a port holds go to DELETING first)."""
        for job_id in list(p.queue):
            self._event(self.jobs[job_id], "delete", now, "job.deleted", reason="purge")
        self.log.add(now, "printer.purged", p.name)

    def set_printer_status(self, p: Printer, status: int, now: float) -> None:
        paused = p.status & PrinterStatus.PAUSED
        p.status = PrinterStatus(
            (status & ~int(PrinterStatus.PAUSED | PrinterStatus.PENDING_DELETION)) | paused
        )
        self.log.add(now, "printer.status", p.name, status=int(p.status))

    # -- ports and the devices behind them -------------------------------------------------------

    def add_port(self, port: Port, now: float) -> Port:
        if port.name.lower() in self.ports:
            raise SpoolerError(Win32.ERROR_ALREADY_EXISTS, f"port {port.name!r}")
        if port.monitor.lower() not in self.monitors:
            raise SpoolerError(Win32.ERROR_UNKNOWN_PRINT_MONITOR, f"no monitor {port.monitor!r}")
        self.ports[port.name.lower()] = port
        self.log.add(now, "port.added", port.name, monitor=port.monitor)
        return port

    def port_observed(
        self,
        port: Port,
        now: float,
        *,
        bits: PrinterStatus,
        status: PortStatus,
        severity: PortSeverity,
        code: int | None = None,
        text: str = "",
    ) -> None:
        """The port monitor's view of the device behind ``port`` changed.

        ``bits`` are the printer status bits the device state maps to; every printer on the port
        shows the union of its ports' bits beside its own.
        """
        if (port.device_code, port.device_bits, port.status, port.severity) == (
            code,
            bits,
            status,
            severity,
        ):
            return
        port.device_code, port.device_bits = code, PrinterStatus(bits)
        port.status, port.severity, port.status_text = status, severity, text
        for p in self.printers_on(port.name):
            union = 0
            for name in p.ports:
                other = self.ports.get(name.lower())
                union |= int(other.device_bits) if other is not None else 0
            p.device_status = PrinterStatus(union)
        self.log.add(
            now, "port.device", port.name, code=code, bits=int(bits), port_status=int(status)
        )

    # -- ports: deletion and reconfiguration (the port monitors' XcvData commands) ---------------

    def delete_port(self, name: str, now: float) -> Port:
        """Remove the port ``name``. As MS-RPRN 3.1.4.6.2 (RpcDeletePort) requires: an unknown
        port is ERROR_UNKNOWN_PORT, a port some printer prints to is ERROR_BUSY."""
        port = self.ports.get((name or "").lower())
        if port is None:
            raise SpoolerError(Win32.ERROR_UNKNOWN_PORT, f"no port {name!r}")
        users = self.printers_on(port.name)
        if users:
            raise SpoolerError(Win32.ERROR_BUSY, f"port {port.name} is used by {users[0].name}")
        del self.ports[port.name.lower()]
        self.log.add(now, "port.deleted", port.name, monitor=port.monitor)
        return port

    def configure_port(
        self, port: Port, tcp: TcpConfig | None, config: dict[str, object], now: float
    ) -> None:
        """Replace a port's settings (a Standard TCP/IP port's TcpConfig and monitor data)."""
        port.tcp, port.config = tcp, dict(config)
        where = {} if tcp is None else {"host": tcp.host, "port_number": tcp.port_number}
        self.log.add(now, "port.configured", port.name, monitor=port.monitor, **where)

    # -- jobs: submission ------------------------------------------------------------------------

    def job(self, job_id: int, printer: Printer | None = None) -> Job:
        job = self.jobs.get(job_id)
        if job is None or (printer is not None and job.printer_name != printer.name):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"no job {job_id}")
        return job

    def _allocate_job_id(self) -> int:
        job_id = self._last_job_id
        while True:
            job_id = job_id + 1 if job_id < MAX_JOB_ID else 1
            if job_id not in self.jobs:
                self._last_job_id = job_id
                return job_id

    def create_job(
        self,
        p: Printer,
        *,
        document: str,
        datatype: str | None,
        user: str,
        machine: str,
        now: float,
        output_file: str | None = None,
    ) -> Job:
        """StartDocPrinter: a new job in SPOOLING at the end of the printer's queue."""
        if p.pending_deletion or self.is_deleted(p):
            raise SpoolerError(Win32.ERROR_PRINTER_DELETED, p.name)
        datatype = datatype or p.datatype or "RAW"
        if not self.processor(p.print_processor).supports(datatype):
            raise SpoolerError(Win32.ERROR_INVALID_DATATYPE, f"datatype {datatype!r}")
        job = Job(
            job_id=self._allocate_job_id(),
            printer_name=p.name,
            document=document or "",
            datatype=datatype,
            user=user,
            machine=machine,
            notify_name=user,
            submitted=now,
            print_processor=p.print_processor,
            driver_name=p.driver_name,
            output_file=output_file,
            parameters=p.parameters,
            priority=p.default_priority or p.priority or MIN_PRIORITY,
            start_time=p.start_time,
            until_time=p.until_time,
            devmode=p.devmode,
        )
        self.jobs[job.job_id] = job
        p.queue.append(job.job_id)
        p.total_jobs += 1
        self.log.add(now, "job.submitted", job.subject, user=user, document=job.document)
        return job

    def write_job(self, job: Job, data: bytes, now: float) -> int:
        if job.phase is Phase.DELETING:
            raise SpoolerError(Win32.ERROR_PRINT_CANCELLED, f"job {job.job_id} was cancelled")
        if job.phase is not Phase.SPOOLING:
            raise SpoolerError(Win32.ERROR_SPL_NO_STARTDOC, f"job {job.job_id} is not spooling")
        job.data += data
        job.size += len(data)
        self._watched(job)
        return len(data)

    def end_page(self, job: Job) -> None:
        if job.phase is Phase.SPOOLING:
            job.total_pages += 1
            self._watched(job)

    def end_doc(self, job: Job, now: float) -> None:
        if job.phase is Phase.SPOOLING:
            self._event(job, "end_doc", now, "job.spooled", size=job.size, pages=job.total_pages)
            self._printer_of(job).total_bytes += job.size
        elif job.phase is Phase.DELETING:
            self._event(job, "end_doc", now, "job.deleted", reason="cancelled while spooling")

    def abort_job(self, job: Job, now: float) -> None:
        self._event(job, "abort", now, "job.deleted", reason="aborted")

    # -- jobs: commands --------------------------------------------------------------------------

    def check_control(self, job: Job, command: int) -> None:
        """Refuse, before anything changes, a command the job's phase does not admit."""
        if command not in tuple(JobControl):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"job command {command}")
        event = {
            JobControl.RESTART: "restart",
            JobControl.SENT_TO_PRINTER: "sent",
            JobControl.LAST_PAGE_EJECTED: "ejected",
        }.get(JobControl(command))
        if event == "sent" and job.phase is Phase.DELETING and job.port is not None:
            return  # the port monitor lets go of a job cancelled while printing
        if event and next_phase(job.phase, event) is None:
            raise SpoolerError(
                Win32.ERROR_INVALID_PRINTER_STATE, f"job {job.job_id}: {event} in {job.phase.value}"
            )

    def control_job(self, job: Job, command: int, now: float) -> None:
        """SetJob's Command. ERROR_INVALID_PARAMETER for an unknown command."""
        if command == JobControl.SENT_TO_PRINTER:
            return self.job_sent(job, now)
        if command == JobControl.LAST_PAGE_EJECTED:
            return self.job_ejected(job, now)
        self.check_control(job, command)
        if command == JobControl.PAUSE:
            job.modifiers |= JobStatus.PAUSED
            self.log.add(now, "job.paused", job.subject)
        elif command == JobControl.RESUME:
            job.modifiers &= ~JobStatus.PAUSED
            self.log.add(now, "job.resumed", job.subject)
        elif command in (JobControl.CANCEL, JobControl.DELETE):
            self._event(job, "delete", now, "job.deleted", reason="user")
        elif command == JobControl.RESTART:
            job.modifiers = (job.modifiers & JobStatus.PAUSED) | JobStatus.RESTART
            job.pages_printed = job.bytes_printed = 0
            self._event(job, "restart", now, "job.restarted")
        elif command in (JobControl.RETAIN, JobControl.RELEASE):
            bit = JobStatus.RETAINED
            job.modifiers = (
                job.modifiers | bit if command == JobControl.RETAIN else job.modifiers & ~bit
            )
            self.log.add(
                now,
                "job.retained" if command == JobControl.RETAIN else "job.released",
                job.subject,
            )
        elif command != JobControl.NONE:
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"job command {command}")

    def set_job_priority(self, job: Job, priority: int) -> None:
        if not MIN_PRIORITY <= priority <= MAX_PRIORITY:
            raise SpoolerError(Win32.ERROR_INVALID_PRIORITY, f"priority {priority}")
        job.priority = priority
        self._watched(job)

    def set_job_position(self, job: Job, position: int, now: float) -> None:
        p = self._printer_of(job)
        if not 1 <= position <= len(p.queue):
            raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"position {position}")
        p.queue.remove(job.job_id)
        p.queue.insert(position - 1, job.job_id)
        self.log.add(now, "job.moved", job.subject, position=position)

    # -- jobs: printing (driven by the runtime) --------------------------------------------------

    def next_job(
        self, p: Printer, now: float, allow: Callable[[Job], bool] | None = None
    ) -> Job | None:
        """The job the scheduler prints next on ``p``, or None.

        Highest priority first, then queue position; only QUEUED jobs that are not paused, on a
        printer that is not paused and is within its StartTime/UntilTime hours (and the job's),
        and that ``allow`` admits (the runtime's retry rules).
        """
        if p.status & PrinterStatus.PAUSED:
            return None
        minute = self.minute_of_day(now)
        if not p.within_hours(minute):
            return None
        best: Job | None = None
        for job_id in p.queue:
            job = self.jobs[job_id]
            if job.phase is not Phase.QUEUED or job.modifiers & (
                JobStatus.PAUSED | JobStatus.RETAINED
            ):
                continue
            if not within_hours(job.start_time, job.until_time, minute):
                continue
            if allow is not None and not allow(job):
                continue
            if best is None or job.priority > best.priority:
                best = job
        return best

    def start_job(self, job: Job, port: str, now: float) -> None:
        job.port = port
        job.attempts += 1
        job.started = now if job.started is None else job.started
        # dwReboots (spooldir.py) counts starts from page one of a job that is not RAW: a retry
        # after a port error continues the same start, and a SetJob restart cancels its own.
        if not is_raw(job.datatype) and not int(job.modifiers) & _SAME_START:
            job.reboots += 1
        job.modifiers &= ~(JobStatus.ERROR | JobStatus.OFFLINE | JobStatus.PAPEROUT)
        self._event(job, "start", now, "job.started", port=port)

    def job_progress(self, job: Job, *, pages: int, nbytes: int) -> None:
        job.pages_printed = pages
        job.bytes_printed = nbytes
        self._watched(job)

    def set_job_device_status(self, job: Job, bits: int, now: float) -> None:
        """What the device says about the job it prints (error, offline, paper out, ...)."""
        old = int(job.modifiers)
        new = (old & ~_DEVICE_JOB_BITS) | (int(bits) & _DEVICE_JOB_BITS)  # ints: IntFlag is slow
        if new != old:
            job.modifiers = JobStatus(new)
            self.log.add(now, "job.status", job.subject, status=int(job.status))

    def job_failed(self, job: Job, now: float, *, status: int = JobStatus.ERROR) -> None:
        """A port error: the job goes back to QUEUED with its error bits and waits for a retry."""
        self._event(job, "fail", now, "job.failed", status=int(status))
        job.modifiers |= JobStatus(status)

    def job_sent(self, job: Job, now: float) -> None:
        """The port monitor sent the whole job (JOB_CONTROL_SENT_TO_PRINTER)."""
        self.check_control(job, JobControl.SENT_TO_PRINTER)
        if job.phase is Phase.DELETING:
            self._event(job, "retire", now, "job.deleted", reason="cancelled while printing")
            return
        job.pages_printed = max(job.pages_printed, job.total_pages)
        job.bytes_printed = job.size
        job.finished = now
        p = self._printer_of(job)
        p.total_pages += job.pages_printed
        self._event(job, "sent", now, "job.printed", pages=job.pages_printed, size=job.size)
        if not p.attributes & PrinterAttributes.KEEPPRINTEDJOBS:
            self._event(job, "retire", now, "job.completed")
        elif job.reboots:
            job.reboots -= 1  # a kept job's start has ended (localspl's PortThread)

    def job_ejected(self, job: Job, now: float) -> None:
        """JOB_CONTROL_LAST_PAGE_EJECTED: the device reports the last page out."""
        self.check_control(job, JobControl.LAST_PAGE_EJECTED)
        self._event(job, "ejected", now, "job.ejected")
        job.modifiers |= JobStatus.COMPLETE

    # -- the spooler service: stop and start (spooldir.py) ----------------------------------------

    def stop_service(self, now: float, *, clean: bool = False) -> SpoolDirectory:
        """The spooler process ends: an orderly stop (``clean``) or a crash.

        Every job leaves memory; what survives is the spool directory (kept in :attr:`stopped`
        until :meth:`start_service`) and the configuration (printers, ports, drivers, forms,
        settings: the registry's part). Nothing is logged per job: the jobs' fates are decided
        when the spooler reads its spool directory again.

        Raises:
            SpoolerError: ERROR_INVALID_PRINTER_STATE when the service is already stopped.
        """
        if self.stopped is not None:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_STATE, "the spooler is already stopped")
        queues = [p.queue for p in self.printers.values()]
        directory = SpoolDirectory.capture(queues, self.jobs, now, clean=clean)
        assert len(directory) == len(self.jobs), "a job outside every queue"
        for p in self.printers.values():
            p.queue.clear()
        self.jobs.clear()
        self.stopped = directory
        self.log.add(now, "server.down", self.name, clean=clean, spooled=len(directory))
        return directory

    def start_service(self, now: float) -> Recovery:
        """The spooler starts again and reads the spool directory it left (see ``spooldir.py``).

        Each record, in queue order, is restored (``job.recovered``, or ``job.restarted`` for a
        job that was printing), lost (``job.lost`` with the reason) or, for a job whose deletion
        was under way, deleted (``job.deleted``). New job ids continue after the highest restored
        one (ReadShadowJob marks restored ids used; where Windows then starts numbering is not
        in our sources, and continuing keeps ids in submission order).

        Raises:
            SpoolerError: ERROR_INVALID_PRINTER_STATE when the service is running.
        """
        directory = self.stopped
        if directory is None:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_STATE, "the spooler is running")
        self.stopped = None
        self.log.add(now, "server.up", self.name, spooled=len(directory))
        self._last_job_id = 0  # a new process: ids in use are the restored ones
        done: dict[Fate, list[int]] = {f: [] for f in Fate}
        for record in directory:
            what, reason = fate(record)
            gone = record.printer_name.lower() not in self.printers
            if what in (Fate.RECOVERED, Fate.RESTARTED) and gone:
                what, reason = Fate.LOST, LOST_NO_PRINTER
            if what is Fate.LOST:
                self.lose_job(record, reason, now)
            elif what is Fate.DELETED:
                self.log.add(now, "job.deleted", record.subject, reason=reason)
            else:
                self.restore_job(record, now, restarted=what is Fate.RESTARTED)
            done[what].append(record.job_id)
        for p in [p for p in self.printers.values() if p.pending_deletion and not p.queue]:
            self._remove_printer(p, now)  # its last jobs did not come back
        return Recovery(
            recovered=tuple(done[Fate.RECOVERED]),
            restarted=tuple(done[Fate.RESTARTED]),
            lost=tuple(done[Fate.LOST]),
            deleted=tuple(done[Fate.DELETED]),
        )

    def restore_job(self, record: ShadowRecord, now: float, *, restarted: bool = False) -> Job:
        """Bring one job back from its record, at the end of its printer's queue (restore a
        printer's records in position order). ``restarted``: it was printing, and prints again
        from page one. Logs ``job.recovered``, or ``job.restarted`` with the reason. New job ids
        continue after the highest restored one.

        Raises:
            SpoolerError: ERROR_INVALID_PRINTER_NAME for a printer that does not exist,
                ERROR_ALREADY_EXISTS for a job id in use.
        """
        p = self.printers.get(record.printer_name.lower())
        if p is None:
            raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, record.printer_name)
        if record.job_id in self.jobs:
            raise SpoolerError(Win32.ERROR_ALREADY_EXISTS, f"job {record.job_id}")
        job = restored_job(record)
        self.jobs[job.job_id] = job
        p.queue.append(job.job_id)
        self._last_job_id = max(self._last_job_id, job.job_id)
        facts: dict[str, object] = {"position": len(p.queue), "priority": job.priority}
        if restarted:
            self.log.add(now, "job.restarted", job.subject, reason=RESTART_REASON, **facts)
        else:
            self.log.add(now, "job.recovered", job.subject, **facts)
        return job

    def lose_job(self, record: ShadowRecord, reason: str, now: float) -> None:
        """Count one job as lost: its files are deleted and the document is gone (``job.lost``)."""
        self.log.add(now, "job.lost", record.subject, reason=reason, size=record.size)

    # -- internals -------------------------------------------------------------------------------

    def _watched(self, job: Job) -> None:
        for watcher in self.job_watchers:
            watcher(job)

    def _printer_of(self, job: Job) -> Printer:
        p = self.printers.get(job.printer_name.lower())
        assert p is not None, f"job {job.job_id} has no printer"
        return p

    def _event(self, job: Job, event: str, now: float, kind: str, **data: object) -> None:
        """Apply a life-cycle event through the transition table and log it."""
        new = next_phase(job.phase, event)
        if new is None:
            raise SpoolerError(
                Win32.ERROR_INVALID_PRINTER_STATE, f"job {job.job_id}: {event} in {job.phase.value}"
            )
        if kind == "job.deleted" and new is not Phase.GONE:
            kind = "job.deleting"  # logged as deleted once, when the last holder lets go
        # A port holds a job while it prints, and keeps one cancelled mid-print until it lets go.
        if not (new is Phase.PRINTING or (new is Phase.DELETING and job.port is not None)):
            job.port = None
        job.phase = new
        self.log.add(now, kind, job.subject, **data)
        if new is Phase.GONE:
            self._retire(job, now)

    def _retire(self, job: Job, now: float) -> None:
        del self.jobs[job.job_id]
        p = self._printer_of(job)
        p.queue.remove(job.job_id)
        if p.pending_deletion and not p.queue:
            self._remove_printer(p, now)
        self._watched(job)


# Job status bits a port monitor sets from the device's state while the job prints.
DEVICE_JOB_BITS = (
    JobStatus.ERROR
    | JobStatus.OFFLINE
    | JobStatus.PAPEROUT
    | JobStatus.USER_INTERVENTION
    | JobStatus.BLOCKED_DEVQ
)
_DEVICE_JOB_BITS = int(DEVICE_JOB_BITS)
# A start with one of these bits set continues an earlier start (for dwReboots, see start_job).
_SAME_START = int(JobStatus.ERROR | JobStatus.RESTART)
