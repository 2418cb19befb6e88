"""Who may do what on a print server: one table of operations and principals (issue 10, part 5).

Each row is an operation made of real calls through :class:`spoolsim.rpc.Client` on a fresh
:class:`AccessEstate`, the outcome each principal gets, and why. The four principals are the
anonymous caller the network front ends use (``ANONYMOUS LOGON``, a member of Everyone only:
``spoolsim/net/rpcserver.py``; the web's ``IUSR`` holds the same groups), an ordinary user, a
member of Print Operators and a local administrator.

How an operation is tried: as a client that wants to do something does. It opens the handle it
needs with the most it may want (PRINTER_ALL_ACCESS, SERVER_ALL_ACCESS) and, refused, with what
every caller is granted (PRINTER_ACCESS_USE, SERVER_ACCESS_ENUMERATE); so a refusal comes from the
method's own check on the handle, or from the open when the row names the access. Rows "through a
... handle" show that the method checks the handle, not the caller: an administrator holding a
weaker handle is refused too.

Every refused call changes nothing: a snapshot of the server's printers, jobs, forms, drivers,
packages, ports, monitors, processors, connections, settings, descriptor and files is the same
before and after it. An allowed call that changes something (``mutates``) is seen to change it.

The rules, and where they come from:

- access values: MS-RPRN 2.2.3.1 (fact sheet 4a); GENERIC_* map per object (fact sheet 4c); bits
  of another object's kind are dropped, and no access asked means "to print" / "to enumerate"
  (Samba's OpenPrinterEx, fact sheet 4c). MS-RPRN 3.1.4.2.2 says 0 is GENERIC_READ: the outcomes
  are the same, only READ_CONTROL is not granted (the model follows Samba there).
- default printer descriptor (KB Q101873 "Printing Security Defaults"): Everyone prints,
  Administrators and Print Operators have full control, and the creator/owner of a document
  administers that document.
- default server descriptor (``security.default_server_security``): Everyone enumerates, only
  Administrators administer. On a domain controller Windows gives Print Operators "Manage Server";
  the ``delegated`` rows model that by extending the descriptor.
- PRINTER_ACCESS_MANAGE_LIMITED (Windows 8.1): "printer data management operations" (MS-RPRN
  2.2.3.1), gained by whoever may have PRINTER_ACCESS_ADMINISTER (WDK IPrinterPropertyBag).
- drivers: SERVER_ACCESS_ADMINISTER and, RestrictDriverInstallationToAdministrators being 1 by
  default since KB5005652, an administrator, on the server as on a Point and Print client.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

import attrs
import pytest

from spoolsim.model import Driver, PrintServer
from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import (
    APD,
    DPD,
    E_ACCESSDENIED,
    Access,
    JobControl,
    PrinterAttributes,
    PrinterControl,
    RegType,
    Win32,
)
from spoolsim.model.packageupload import stage_package
from spoolsim.model.pointprint import PointAndPrintPolicy
from spoolsim.model.security import (
    ANONYMOUS,
    EVERYONE,
    PRINT_OPERATORS,
    Ace,
    Principal,
    SecurityDescriptor,
    admin,
    default_printer_security,
    operator,
    user,
)
from spoolsim.rpc import Client, Container, Surface
from spoolsim.rpc.pointprint import add_printer_connection, run_now
from spoolsim.rpc.secdesc import encode_descriptor
from tests.model.test_packages import dll, make_inf
from tests.rpc.estate import DRIVER, printer_container

A = Access
OK = 0
NO = Win32.ERROR_ACCESS_DENIED  # 5
HR = E_ACCESSDENIED  # 0x80070005, for the HRESULT methods (opnums 58-67)

X64 = "Windows x64"
PACKAGE_FILES = ("fablaser.dll", "fablaser.gpd", "fabui.dll")

PRINCIPALS: dict[str, Principal] = {
    # As spoolsim/net/rpcserver.py builds it for an unauthenticated association.
    "anonymous": Principal(ANONYMOUS, "PEER", frozenset({EVERYONE})),
    "user": user("alice"),
    "operator": operator("op"),
    "admin": admin(),
}
COLUMNS = tuple(PRINCIPALS)


class AccessEstate:
    """A server with a shared printer P1 holding bob's queued job, and a spare of everything an
    operation may delete: a user form, an unused driver, a local port, a monitor, a print
    processor, a per-machine connection and a printer-data value."""

    def __init__(self) -> None:
        self.server = PrintServer()
        self.server.drivers.add(Driver(DRIVER, X64, 3, "unidrv.dll", "ttyres.gpd", "unidrvui.dll"))
        self.server.drivers.add(
            Driver("Spare Driver", X64, 3, "spare.dll", "spare.gpd", "spui.dll")
        )
        self.surface = Surface(self.server)
        self.admin = Client(self.surface, admin("setup"))
        self.bob = Client(self.surface, user("bob"))
        a = self.admin
        assert a.RpcAsyncAddPrinter(None, printer_container("P1"), None, None).ok
        hs = a.RpcAsyncOpenPrinter(None, None, None, A.SERVER_ALL_ACCESS).pHandle
        assert a.RpcAsyncAddForm(hs, form("Spare Form")).ok
        assert a.RpcAsyncAddPort(
            None, Container(1, {"pPortName": SPARE_PORT}), None, "Local Port"
        ).ok
        monitor = {"pName": "Spare Monitor", "pEnvironment": X64, "pDLLName": "spare.dll"}
        assert a.RpcAsyncAddMonitor(None, Container(2, monitor)).ok
        assert a.RpcAsyncAddPrintProcessor(None, X64, "spareproc.dll", "spareproc").ok
        assert a.RpcAsyncAddPerMachineConnection(None, SPARE_CONNECTION, "\\\\OTHER", "x").ok
        hp = a.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ALL_ACCESS).pHandle
        assert a.RpcAsyncSetPrinterDataEx(hp, "Spare", "Value", RegType.REG_DWORD, DWORD1, 4).ok
        self.bob_job = print_job(self.bob)
        assert self.bob_job == BOB_JOB

    def snapshot(self) -> str:
        """Everything a call could change, as text (the event log aside)."""
        s = self.server
        return repr(
            (
                sorted((k, repr(p)) for k, p in s.printers.items()),
                sorted((k, repr(j)) for k, j in s.jobs.items()),
                [repr(f) for f in s.forms.all()],
                [repr(d) for d in s.drivers.all()],
                [repr(p) for p in s.packages],
                sorted((k, repr(v)) for k, v in s.ports.items()),
                sorted((k, repr(v)) for k, v in s.monitors.items()),
                sorted((k, repr(v)) for k, v in s.processors.items()),
                sorted((k, repr(v)) for k, v in s.machine_connections.items()),
                sorted(s.settings.items()),
                repr(s.security),
                repr(s.files),
            )
        )


BOB_JOB = 1  # the first job the estate's server numbers: bob's
SPARE_PORT = "C:\\spare.prn"
NEW_DRIVER = Container(
    3,
    {
        "pName": "New Driver",
        "pEnvironment": X64,
        "cVersion": 3,
        "pDriverPath": "new.dll",
        "pDataFile": "new.gpd",
        "pConfigFile": "newui.dll",
    },
)
SPARE_CONNECTION = "\\\\OTHER\\Spare"
DWORD1 = struct.pack("<I", 1)


def form(name: str, width: int = 100_000) -> Container:
    info = {
        "pName": name,
        "Flags": 0,
        "Size_cx": width,
        "Size_cy": 100_000,
        "ImageableArea_left": 0,
        "ImageableArea_top": 0,
        "ImageableArea_right": width,
        "ImageableArea_bottom": 100_000,
    }
    return Container(1, info)


def print_job(client: Client) -> int:
    """A one-page job on P1 by ``client``, left queued (nothing prints without a runtime)."""
    h = client.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ACCESS_USE).pHandle
    job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "doc"})).pJobId
    assert client.RpcAsyncWritePrinter(h, b"page\f", 5).ok
    assert client.RpcAsyncEndDocPrinter(h).ok
    assert client.RpcAsyncClosePrinter(h).ok
    return job


@attrs.define
class Trial:
    """One principal trying one row on its own fresh estate."""

    who: str
    estate: AccessEstate = attrs.Factory(AccessEstate)
    client: Client = attrs.field(init=False)
    job: int = 0  # the job the row acts on: bob's unless the row's setup says "own"
    extra: dict[str, object] = attrs.Factory(dict)

    def __attrs_post_init__(self) -> None:
        self.client = Client(self.estate.surface, PRINCIPALS[self.who])
        self.job = self.estate.bob_job

    @property
    def principal(self) -> Principal:
        return PRINCIPALS[self.who]


Act = Callable[[Trial], int]
Setup = Callable[[Trial], None]


def best(t: Trial, name: str | None, *masks: int) -> tuple[int, bytes | None]:
    """Open ``name`` with the first of ``masks`` granted; the last refusal when none is."""
    status = NO
    for mask in masks:
        r = t.client.RpcAsyncOpenPrinter(name, None, None, mask)
        if r.ok:
            return 0, r.pHandle
        status = r.status
    return status, None


def on_printer(method: str, *args: object, masks: tuple[int, ...] = ()) -> Act:
    """``method(hPrinter, *args)`` on P1, through the best printer handle (or ``masks``)."""
    masks = masks or (A.PRINTER_ALL_ACCESS, A.PRINTER_ACCESS_USE)

    def act(t: Trial) -> int:
        status, h = best(t, "P1", *masks)
        return status or t.client.call(method, h, *args).status

    return act


def on_server(method: str, *args: object, masks: tuple[int, ...] = ()) -> Act:
    """``method(hServer, *args)`` through the best server handle (or ``masks``)."""
    masks = masks or (A.SERVER_ALL_ACCESS, A.SERVER_ACCESS_ENUMERATE)

    def act(t: Trial) -> int:
        status, h = best(t, None, *masks)
        return status or t.client.call(method, h, *args).status

    return act


def control(command: int, *masks: int) -> Act:
    """SetPrinter with a printer control command (level 0)."""
    return on_printer("RpcAsyncSetPrinter", Container(0), None, None, command, masks=masks)


def call(method: str, *args: object) -> Act:
    """A method without a handle (``pName`` first)."""
    return lambda t: t.client.call(method, *args).status


def open_server(mask: int) -> Act:
    return lambda t: t.client.RpcAsyncOpenPrinter(None, None, None, mask).status


def open_printer(mask: int) -> Act:
    return lambda t: t.client.RpcAsyncOpenPrinter("P1", None, None, mask).status


def open_job(mask: int) -> Act:
    return lambda t: t.client.RpcAsyncOpenPrinter(f"P1, Job {t.job}", None, None, mask).status


def set_job(command: int = 0, info: dict[str, object] | None = None) -> Act:
    """SetJob on the row's job through the best printer handle."""
    container = Container(1, info) if info is not None else None

    def act(t: Trial) -> int:
        status, h = best(t, "P1", A.PRINTER_ALL_ACCESS, A.PRINTER_ACCESS_USE)
        return status or t.client.RpcAsyncSetJob(h, t.job, container, command).status

    return act


def read_job(t: Trial) -> int:
    """ReadPrinter on a handle to the row's job (opened asking nothing: "to print")."""
    r = t.client.RpcAsyncOpenPrinter(f"P1, Job {t.job}", None, None, 0)
    return r.status or t.client.RpcAsyncReadPrinter(r.pHandle, 64).status


def print_document(t: Trial) -> int:
    """StartDocPrinter, WritePrinter, EndDocPrinter on a PRINTER_ACCESS_USE handle."""
    c = t.client
    r = c.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ACCESS_USE)
    if not r.ok:
        return r.status
    doc = c.RpcAsyncStartDocPrinter(r.pHandle, Container(1, {"pDocName": "mine"}))
    if not doc.ok:
        return doc.status
    return c.RpcAsyncWritePrinter(r.pHandle, b"x\f", 2).status or (
        c.RpcAsyncEndDocPrinter(r.pHandle).status
    )


def xcv(command: str, port: str) -> Act:
    """A Local Port monitor command; the outcome is the monitor's pdwStatus once the call and
    the open succeeded."""

    def act(t: Trial) -> int:
        r = t.client.RpcAsyncOpenPrinter(
            ",XcvMonitor Local Port", None, None, A.SERVER_ACCESS_ADMINISTER
        )
        if not r.ok:
            return r.status
        data = (port + "\0").encode("utf-16-le")
        x = t.client.RpcAsyncXcvData(r.pHandle, command, data, len(data), 0)
        return x.status or x.pdwStatus

    return act


def point_and_print(policy: PointAndPrintPolicy) -> Act:
    """AddPrinterConnection to \\\\SPOOLSIM\\P1 from a client that does not have the driver, so
    it must install it: the client's policy decides (rpc/pointprint.py)."""

    def act(t: Trial) -> int:
        client = ClientMachine("C1", policy=policy)
        flow = add_printer_connection(client, t.estate.surface, t.principal, "\\\\SPOOLSIM\\P1", 0)
        return run_now(flow, 0.0).status

    return act


# -- setups: what the row needs before the call under test (not part of the snapshot) ------------


def own_job(t: Trial) -> None:
    t.job = print_job(t.client)


def own_paused_job(t: Trial) -> None:
    own_job(t)
    h = t.client.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ACCESS_USE).pHandle
    assert t.client.RpcAsyncSetJob(h, t.job, None, JobControl.PAUSE).ok


def bobs_paused_job(t: Trial) -> None:
    h = t.estate.bob.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ACCESS_USE).pHandle
    assert t.estate.bob.RpcAsyncSetJob(h, t.job, None, JobControl.PAUSE).ok


def paused_printer(t: Trial) -> None:
    a = t.estate.admin
    h = a.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ALL_ACCESS).pHandle
    assert a.RpcAsyncSetPrinter(h, Container(0), None, None, PrinterControl.PAUSE).ok


def users_manage_forms(t: Trial) -> None:
    """The server's AllowUserManageForms set to 1 (SetPrinterData on the server handle)."""
    a = t.estate.admin
    h = a.RpcAsyncOpenPrinter(None, None, None, A.SERVER_ALL_ACCESS).pHandle
    r = a.RpcAsyncSetPrinterData(h, "AllowUserManageForms", RegType.REG_DWORD, DWORD1, 4)
    assert r.ok


def delegated(t: Trial) -> None:
    """The server's descriptor gives Print Operators "Manage Server" (SERVER_ALL_ACCESS), as on a
    domain controller, where Print Operators create and share printers."""
    sd = t.estate.server.security
    aces = (*sd.aces, Ace(PRINT_OPERATORS, A.SERVER_ALL_ACCESS))
    t.estate.server.security = SecurityDescriptor(sd.owner, aces)


def staged_package(t: Trial) -> None:
    inf = make_inf({"Fabrikam Laser": PACKAGE_FILES})
    t.extra["source"] = stage_package(
        t.estate.server.files,
        "\\\\SPOOLSIM\\print$\\up1",
        "fab.inf",
        inf,
        {f: dll() for f in PACKAGE_FILES},
    )


def uploaded_package(t: Trial) -> None:
    staged_package(t)
    r = t.estate.admin.RpcAsyncUploadPrinterDriverPackage(
        None, t.extra["source"], X64, 0, None, 260
    )
    assert r.ok, r
    t.extra["dest"] = r.pszDestInfPath


def both(*setups: Setup) -> Setup:
    def run(t: Trial) -> None:
        for s in setups:
            s(t)

    return run


def upload_package(t: Trial) -> int:
    args = (None, t.extra["source"], X64, 0, None, 260)
    return t.client.RpcAsyncUploadPrinterDriverPackage(*args).status


def install_from_package(t: Trial) -> int:
    args = (None, t.extra["dest"], "Fabrikam Laser", X64, 0)
    return t.client.RpcAsyncInstallPrinterDriverFromPackage(*args).status


def delete_package(t: Trial) -> int:
    return t.client.RpcAsyncDeletePrinterDriverPackage(None, t.extra["dest"], X64).status


# -- the table ---------------------------------------------------------------------------------


@attrs.frozen
class Row:
    operation: str
    act: Act
    expect: tuple[int, int, int, int]  # anonymous, user, operator, admin
    why: str
    setup: Setup | None = None
    mutates: bool = True  # an allowed call is seen to change the estate


def row(
    operation: str,
    act: Act,
    anonymous: int,
    user_: int,
    operator_: int,
    admin_: int,
    why: str,
    setup: Setup | None = None,
    mutates: bool = True,
) -> Row:
    return Row(operation, act, (anonymous, user_, operator_, admin_), why, setup, mutates)


def opens(obj: str, opener: Callable[[int], Act], setup: Setup | None = None, **masks) -> list:
    """Open rows: ``masks`` maps a mask's name to (outcomes, why)."""
    return [
        row(
            f"open {obj} with {name}",
            opener(getattr(A, name) if name != "zero" else 0),
            *outcome,
            why,
            setup,
            mutates=False,
        )
        for name, (outcome, why) in masks.items()
    ]


# Outcomes in column order (anonymous, user, operator, admin), for the common patterns.
ALL = (OK, OK, OK, OK)
MANAGERS = (NO, NO, OK, OK)  # Administrators and Print Operators
ADMIN = (NO, NO, NO, OK)
NOBODY = (NO, NO, NO, NO)
HR_ADMIN = (HR, HR, HR, OK)

SD_SERVER = "default server SD: Everyone SERVER_EXECUTE, Administrators SERVER_ALL_ACCESS"
SD_PRINTER = "default printer SD (KB Q101873): Everyone Print, Admins/Print Operators full control"
DROPPED = "bits of another object's kind are dropped; nothing left asks the default (Samba)"
JOB_RULE = "job ACEs: CREATOR OWNER (the submitter) and Manage Documents (admins, operators)"
SERVER_ADMIN = "SERVER_ACCESS_ADMINISTER on the server, checked on the caller (no handle)"
DRIVER_RULE = "SERVER_ACCESS_ADMINISTER, and an administrator (KB5005652 restriction, default 1)"
HANDLE_RULE = "the method checks the handle's granted access, whoever holds it"

# fmt: off
TABLE: list[Row] = [
    # -- opening the server (MS-RPRN 2.2.3.1 values; GENERIC_* -> SERVER_* per fact sheet 4c) --
    *opens("the server", open_server,
        SERVER_ACCESS_ENUMERATE=(ALL, SD_SERVER),
        SERVER_ACCESS_ADMINISTER=(ADMIN, SD_SERVER + "; Print Operators only enumerate"),
        SERVER_ALL_ACCESS=(ADMIN, SD_SERVER),
        zero=(ALL, "no access asked: SERVER_ACCESS_ENUMERATE (MS-RPRN 3.1.4.2.2: a read)"),
        PRINTER_ACCESS_USE=(ALL, DROPPED),
        PRINTER_ACCESS_ADMINISTER=(ALL, DROPPED),
        PRINTER_ACCESS_MANAGE_LIMITED=(ALL, DROPPED),
        JOB_ACCESS_ADMINISTER=(ALL, DROPPED),
        JOB_ACCESS_READ=(ALL, DROPPED),
        GENERIC_READ=(ALL, "GENERIC_READ -> SERVER_READ = READ_CONTROL | ENUMERATE"),
        GENERIC_WRITE=(ADMIN, "GENERIC_WRITE -> SERVER_WRITE, holding SERVER_ACCESS_ADMINISTER"),
        GENERIC_EXECUTE=(ALL, "GENERIC_EXECUTE -> SERVER_EXECUTE"),
        GENERIC_ALL=(ADMIN, "GENERIC_ALL -> SERVER_ALL_ACCESS"),
        MAXIMUM_ALLOWED=(ALL, "whatever is grantable; Everyone is granted SERVER_EXECUTE"),
    ),
    # -- opening printer P1 (GENERIC_* -> PRINTER_*) --
    *opens("printer P1", open_printer,
        PRINTER_ACCESS_USE=(ALL, SD_PRINTER),
        PRINTER_ACCESS_ADMINISTER=(MANAGERS, SD_PRINTER),
        PRINTER_ACCESS_MANAGE_LIMITED=(MANAGERS, "gained with PRINTER_ACCESS_ADMINISTER (WDK)"),
        PRINTER_ALL_ACCESS=(MANAGERS, SD_PRINTER),
        DELETE=(MANAGERS, "DELETE is part of full control only"),
        WRITE_DAC=(MANAGERS, "WRITE_DAC is part of full control only"),
        JOB_ACCESS_ADMINISTER=(MANAGERS, "Manage Documents; CREATOR OWNER names a job's owner"),
        JOB_ACCESS_READ=(MANAGERS, "Manage Documents; CREATOR OWNER names a job's owner"),
        zero=(ALL, "no access asked: PRINTER_ACCESS_USE (Samba; 3.1.4.2.2 says GENERIC_READ)"),
        SERVER_ACCESS_ENUMERATE=(ALL, DROPPED),
        SERVER_ACCESS_ADMINISTER=(ALL, DROPPED),
        GENERIC_READ=(ALL, "GENERIC_READ -> PRINTER_READ = READ_CONTROL | USE"),
        GENERIC_WRITE=(ALL, "GENERIC_WRITE -> PRINTER_WRITE = READ_CONTROL | USE (spec value)"),
        GENERIC_EXECUTE=(ALL, "GENERIC_EXECUTE -> PRINTER_EXECUTE"),
        GENERIC_ALL=(MANAGERS, "GENERIC_ALL -> PRINTER_ALL_ACCESS"),
        MAXIMUM_ALLOWED=(ALL, "whatever is grantable; Everyone may print"),
    ),
    # -- opening another user's job ("P1, Job N"; GENERIC_* -> JOB_*) --
    *opens("bob's job", open_job,
        PRINTER_ACCESS_USE=(ALL, "Print opens the queue's jobs; reading one needs more"),
        zero=(ALL, "no access asked: PRINTER_ACCESS_USE"),
        JOB_ACCESS_ADMINISTER=(MANAGERS, JOB_RULE),
        JOB_ACCESS_READ=(MANAGERS, JOB_RULE),
        PRINTER_ACCESS_ADMINISTER=(MANAGERS, SD_PRINTER),
        PRINTER_ACCESS_MANAGE_LIMITED=(MANAGERS, "gained with PRINTER_ACCESS_ADMINISTER (WDK)"),
        SERVER_ACCESS_ADMINISTER=(ALL, DROPPED),
        GENERIC_READ=(MANAGERS, "GENERIC_READ -> JOB_READ = READ_CONTROL | JOB_ACCESS_READ"),
        GENERIC_WRITE=(MANAGERS, "GENERIC_WRITE -> JOB_WRITE = READ_CONTROL | JOB_ADMINISTER"),
        GENERIC_EXECUTE=(MANAGERS, "GENERIC_EXECUTE -> JOB_EXECUTE"),
        GENERIC_ALL=(MANAGERS, "GENERIC_ALL -> JOB_ALL_ACCESS"),
        MAXIMUM_ALLOWED=(ALL, "whatever is grantable; Everyone may print"),
    ),
    # -- opening one's own job: CREATOR OWNER grants JOB_ALL_ACCESS to the submitter --
    *opens("one's own job", open_job, own_job,
        JOB_ACCESS_ADMINISTER=(ALL, JOB_RULE),
        JOB_ACCESS_READ=(ALL, JOB_RULE),
        GENERIC_READ=(ALL, "JOB_READ, from CREATOR OWNER"),
        GENERIC_WRITE=(ALL, "JOB_WRITE, from CREATOR OWNER"),
        GENERIC_ALL=(ALL, "JOB_ALL_ACCESS, from CREATOR OWNER"),
        MAXIMUM_ALLOWED=(ALL, "whatever is grantable"),
    ),
    # -- using printer P1 --
    row("print a document on P1", print_document,
        *ALL, "StartDocPrinter: PRINTER_ACCESS_USE; " + SD_PRINTER),
    row("see bob's job in P1's queue (GetJob)", on_printer("RpcAsyncGetJob", BOB_JOB, 1, 0x1000),
        *ALL, "KB Q101873: Print access views the documents on a printer", mutates=False),
    row("read P1's security descriptor through a GENERIC_READ handle",
        on_printer("RpcAsyncGetPrinter", 3, 0x1000, masks=(A.GENERIC_READ,)),
        *ALL, "GetPrinter level 3: READ_CONTROL, part of Print", mutates=False),
    row("read P1's security descriptor through a PRINTER_ACCESS_USE handle",
        on_printer("RpcAsyncGetPrinter", 3, 0x1000, masks=(A.PRINTER_ACCESS_USE,)),
        *NOBODY, HANDLE_RULE + ": READ_CONTROL was not asked for"),
    # -- managing printers: SetPrinter needs PRINTER_ACCESS_ADMINISTER on the handle --
    row("pause P1", control(PrinterControl.PAUSE),
        *MANAGERS, "SetPrinter: PRINTER_ACCESS_ADMINISTER; " + SD_PRINTER),
    row("resume P1", control(PrinterControl.RESUME),
        *MANAGERS, "SetPrinter: PRINTER_ACCESS_ADMINISTER", setup=paused_printer),
    row("purge P1 (bob's job goes)", control(PrinterControl.PURGE),
        *MANAGERS, "SetPrinter: PRINTER_ACCESS_ADMINISTER"),
    row("set P1's properties (level 2 comment)",
        on_printer("RpcAsyncSetPrinter", Container(2, {"pComment": "moved"}), None, None, 0),
        *MANAGERS, "SetPrinter: PRINTER_ACCESS_ADMINISTER"),
    row("set P1's security descriptor (level 3)",
        on_printer("RpcAsyncSetPrinter", Container(3), None,
                   encode_descriptor(default_printer_security("alice")), 0),
        *MANAGERS, "SetPrinter level 3: PRINTER_ACCESS_ADMINISTER and WRITE_DAC"),
    row("delete P1", on_printer("RpcAsyncDeletePrinter"),
        *MANAGERS, "DeletePrinter: DELETE, part of full control"),
    row("add printer P2", call("RpcAsyncAddPrinter", None, printer_container("P2"), None, None),
        *ADMIN, SERVER_ADMIN + "; Print Operators hold none on this server"),
    row("set P1's printer data", on_printer("RpcAsyncSetPrinterDataEx", "K", "V", 4, DWORD1, 4),
        *MANAGERS, "printer data: PRINTER_ACCESS_ADMINISTER or _MANAGE_LIMITED (2.2.3.1)"),
    row("delete P1's printer data", on_printer("RpcAsyncDeletePrinterDataEx", "Spare", "Value"),
        *MANAGERS, "printer data: PRINTER_ACCESS_ADMINISTER or _MANAGE_LIMITED (2.2.3.1)"),
    row("set P1's printer data through a MANAGE_LIMITED handle",
        on_printer("RpcAsyncSetPrinterDataEx", "K", "V", 4, DWORD1, 4,
                   masks=(A.PRINTER_ACCESS_MANAGE_LIMITED,)),
        *MANAGERS, "MANAGE_LIMITED: printer data management operations (MS-RPRN 2.2.3.1)"),
    row("pause P1 through a MANAGE_LIMITED handle",
        control(PrinterControl.PAUSE, A.PRINTER_ACCESS_MANAGE_LIMITED),
        *NOBODY, "MANAGE_LIMITED manages data only; SetPrinter needs _ADMINISTER"),
    row("pause P1 through a PRINTER_ACCESS_USE handle",
        control(PrinterControl.PAUSE, A.PRINTER_ACCESS_USE),
        *NOBODY, HANDLE_RULE),
    row("delete P1 through a PRINTER_ACCESS_ADMINISTER handle",
        on_printer("RpcAsyncDeletePrinter", masks=(A.PRINTER_ACCESS_ADMINISTER,)),
        *NOBODY, HANDLE_RULE + ": DeletePrinter needs DELETE"),
    # -- other users' jobs: SetJob needs JOB_ACCESS_ADMINISTER on the job (MS-RPRN 2.2.3.1) --
    row("pause bob's job", set_job(JobControl.PAUSE), *MANAGERS, JOB_RULE),
    row("resume bob's job", set_job(JobControl.RESUME), *MANAGERS, JOB_RULE,
        setup=bobs_paused_job),
    row("restart bob's job", set_job(JobControl.RESTART), *MANAGERS, JOB_RULE),
    row("delete bob's job", set_job(JobControl.DELETE), *MANAGERS, JOB_RULE),
    row("cancel bob's job", set_job(JobControl.CANCEL), *MANAGERS, JOB_RULE),
    row("set bob's job's priority", set_job(0, {"Priority": 50}), *MANAGERS, JOB_RULE),
    row("read bob's spooled data", read_job, *MANAGERS,
        "ReadPrinter: JOB_ACCESS_READ (MS-RPRN 2.2.3.1: read rights for the spool file)",
        mutates=False),
    # -- one's own jobs --
    row("pause one's own job", set_job(JobControl.PAUSE), *ALL, JOB_RULE, setup=own_job),
    row("resume one's own job", set_job(JobControl.RESUME), *ALL, JOB_RULE,
        setup=own_paused_job),
    row("restart one's own job", set_job(JobControl.RESTART), *ALL, JOB_RULE, setup=own_job),
    row("delete one's own job", set_job(JobControl.DELETE), *ALL, JOB_RULE, setup=own_job),
    row("set one's own job's priority", set_job(0, {"Priority": 50}), *ALL, JOB_RULE,
        setup=own_job),
    row("read one's own spooled data", read_job, *ALL, JOB_RULE, setup=own_job, mutates=False),
    # -- forms (rpc/forms.py): SERVER_ACCESS_ADMINISTER on a server handle, PRINTER_ACCESS_
    #    ADMINISTER on a printer handle, or anyone when AllowUserManageForms is non-zero --
    row("add a form", on_server("RpcAsyncAddForm", form("New Form")),
        *ADMIN, "forms on a server handle: SERVER_ACCESS_ADMINISTER"),
    row("change a form", on_server("RpcAsyncSetForm", "Spare Form", form("Spare Form", 50_000)),
        *ADMIN, "forms on a server handle: SERVER_ACCESS_ADMINISTER"),
    row("delete a form", on_server("RpcAsyncDeleteForm", "Spare Form"),
        *ADMIN, "forms on a server handle: SERVER_ACCESS_ADMINISTER"),
    row("add a form through P1", on_printer("RpcAsyncAddForm", form("New Form")),
        *MANAGERS, "forms on a printer handle: PRINTER_ACCESS_ADMINISTER"),
    row("add a form, AllowUserManageForms=1", on_server("RpcAsyncAddForm", form("New Form")),
        *ALL, "AllowUserManageForms lets every caller manage forms", setup=users_manage_forms),
    row("change a form, AllowUserManageForms=1",
        on_server("RpcAsyncSetForm", "Spare Form", form("Spare Form", 50_000)),
        *ALL, "AllowUserManageForms lets every caller manage forms", setup=users_manage_forms),
    row("delete a form, AllowUserManageForms=1", on_server("RpcAsyncDeleteForm", "Spare Form"),
        *ALL, "AllowUserManageForms lets every caller manage forms", setup=users_manage_forms),
    row("enumerate forms", on_server("RpcAsyncEnumForms", 1, 0x10000),
        *ALL, "MS-RPRN 3.1.4.5.5: no access check on the handle", mutates=False),
    # -- server settings: SetPrinterData on the server handle --
    row("set a server value", on_server("RpcAsyncSetPrinterData", "BeepEnabled", 4, DWORD1, 4),
        *ADMIN, "server handle: SERVER_ACCESS_ADMINISTER"),
    row("set a server value (Ex)",
        on_server("RpcAsyncSetPrinterDataEx", "PrinterDriverData", "BeepEnabled", 4, DWORD1, 4),
        *ADMIN, "server handle: SERVER_ACCESS_ADMINISTER"),
    row("set a server value through an ENUMERATE handle",
        on_server("RpcAsyncSetPrinterData", "BeepEnabled", 4, DWORD1, 4,
                  masks=(A.SERVER_ACCESS_ENUMERATE,)),
        *NOBODY, HANDLE_RULE),
    row("read a server value", on_server("RpcAsyncGetPrinterData", "BeepEnabled", 4),
        *ALL, "any server handle reads server values", mutates=False),
    # -- drivers --
    row("AddPrinterDriver (APD_COPY_NEW_FILES, RPRN opnum 9's meaning)",
        call("RpcAsyncAddPrinterDriver", None, NEW_DRIVER, APD.COPY_NEW_FILES),
        *ADMIN, DRIVER_RULE),
    row("AddPrinterDriverEx with APD_INSTALL_WARNED_DRIVER (CVE-2021-34527's flag)",
        call("RpcAsyncAddPrinterDriver", None, NEW_DRIVER,
             APD.COPY_ALL_FILES | APD.INSTALL_WARNED_DRIVER),
        *ADMIN, DRIVER_RULE + "; no flag bypasses it"),
    row("UploadPrinterDriverPackage", upload_package, *HR_ADMIN, DRIVER_RULE + "; HRESULT",
        setup=staged_package),
    row("InstallPrinterDriverFromPackage", install_from_package, *HR_ADMIN,
        DRIVER_RULE + "; HRESULT", setup=uploaded_package),
    row("DeletePrinterDriverPackage", delete_package, *HR_ADMIN,
        "SERVER_ACCESS_ADMINISTER; HRESULT", setup=uploaded_package),
    row("DeletePrinterDriver", call("RpcAsyncDeletePrinterDriver", None, X64, "Spare Driver"),
        *ADMIN, SERVER_ADMIN),
    row("DeletePrinterDriverEx",
        call("RpcAsyncDeletePrinterDriverEx", None, X64, "Spare Driver",
             DPD.DELETE_UNUSED_FILES, 0),
        *ADMIN, SERVER_ADMIN),
    row("enumerate drivers", call("RpcAsyncEnumPrinterDrivers", None, X64, 1, 0x10000),
        *ALL, "SERVER_ACCESS_ENUMERATE", mutates=False),
    row("Point and Print connection that installs the driver",
        point_and_print(PointAndPrintPolicy()), *ADMIN,
        "client RestrictDriverInstallationToAdministrators=1 (KB5005652 default)",
        mutates=False),
    row("Point and Print connection, RestrictDriverInstallationToAdministrators=0",
        point_and_print(PointAndPrintPolicy(False, None)), *ALL,
        "value 0 and no Point and Print Restrictions: anyone installs", mutates=False),
    # -- the server's descriptor delegates Manage Server to Print Operators (as on a DC) --
    row("delegated: add printer P2",
        call("RpcAsyncAddPrinter", None, printer_container("P2"), None, None),
        *MANAGERS, "SERVER_ACCESS_ADMINISTER, now held by Print Operators", setup=delegated),
    row("delegated: set a server value",
        on_server("RpcAsyncSetPrinterData", "BeepEnabled", 4, DWORD1, 4),
        *MANAGERS, "SERVER_ACCESS_ADMINISTER, now held by Print Operators", setup=delegated),
    row("delegated: add a form", on_server("RpcAsyncAddForm", form("New Form")),
        *MANAGERS, "SERVER_ACCESS_ADMINISTER, now held by Print Operators", setup=delegated),
    row("delegated: add a port",
        call("RpcAsyncAddPort", None, Container(1, {"pPortName": "C:\\new.prn"}), None,
             "Local Port"),
        *MANAGERS, "SERVER_ACCESS_ADMINISTER, now held by Print Operators", setup=delegated),
    row("delegated: DeletePrinterDriver",
        call("RpcAsyncDeletePrinterDriver", None, X64, "Spare Driver"),
        *MANAGERS, "deleting is not installing: SERVER_ACCESS_ADMINISTER", setup=delegated),
    row("delegated: AddPrinterDriver",
        call("RpcAsyncAddPrinterDriver", None, NEW_DRIVER, APD.COPY_NEW_FILES),
        *ADMIN, "KB5005652: installing needs an administrator, whatever the descriptor",
        setup=delegated),
    row("delegated: UploadPrinterDriverPackage", upload_package, *HR_ADMIN,
        "KB5005652: installing needs an administrator", setup=both(delegated, staged_package)),
    row("delegated: InstallPrinterDriverFromPackage", install_from_package, *HR_ADMIN,
        "KB5005652: installing needs an administrator", setup=both(delegated, uploaded_package)),
    # -- ports, monitors, print processors, per-machine connections: SERVER_ACCESS_ADMINISTER --
    row("add a port (AddPortEx)",
        call("RpcAsyncAddPort", None, Container(1, {"pPortName": "C:\\new.prn"}), None,
             "Local Port"),
        *ADMIN, SERVER_ADMIN),
    row("set a port's status (SetPort level 3)",
        call("RpcAsyncSetPort", None, SPARE_PORT, Container(3, {"dwStatus": 1, "dwSeverity": 1})),
        *ADMIN, SERVER_ADMIN),
    row("add a port through Xcv (Local Port AddPort)", xcv("AddPort", "C:\\new.prn"),
        *ADMIN, "an Xcv handle is opened asking SERVER_ACCESS_ADMINISTER"),
    row("delete a port through Xcv (Local Port DeletePort)", xcv("DeletePort", SPARE_PORT),
        *ADMIN, "an Xcv handle is opened asking SERVER_ACCESS_ADMINISTER"),
    row("add a port monitor",
        call("RpcAsyncAddMonitor", None, Container(2, {
            "pName": "New Monitor", "pEnvironment": X64, "pDLLName": "new.dll"})),
        *ADMIN, SERVER_ADMIN),
    row("delete a port monitor", call("RpcAsyncDeleteMonitor", None, X64, "Spare Monitor"),
        *ADMIN, SERVER_ADMIN),
    row("add a print processor",
        call("RpcAsyncAddPrintProcessor", None, X64, "newproc.dll", "newproc"),
        *ADMIN, SERVER_ADMIN),
    row("delete a print processor", call("RpcAsyncDeletePrintProcessor", None, X64, "spareproc"),
        *ADMIN, SERVER_ADMIN),
    row("add a per-machine connection",
        call("RpcAsyncAddPerMachineConnection", None, "\\\\OTHER\\New", "\\\\OTHER", "x"),
        *ADMIN, SERVER_ADMIN),
    row("delete a per-machine connection",
        call("RpcAsyncDeletePerMachineConnection", None, SPARE_CONNECTION),
        *ADMIN, SERVER_ADMIN),
    row("enumerate ports", call("RpcAsyncEnumPorts", None, 1, 0x10000),
        *ALL, "SERVER_ACCESS_ENUMERATE", mutates=False),
    row("enumerate monitors", call("RpcAsyncEnumMonitors", None, 1, 0x10000),
        *ALL, "SERVER_ACCESS_ENUMERATE", mutates=False),
]
# fmt: on

CASES = [pytest.param(r, who, id=f"{r.operation} | {who}") for r in TABLE for who in COLUMNS]


@pytest.mark.parametrize("r, who", CASES)
def test_access(r: Row, who: str) -> None:
    t = Trial(who)
    if r.setup is not None:
        r.setup(t)
    before = t.estate.snapshot()
    status = r.act(t)
    expected = r.expect[COLUMNS.index(who)]
    assert status == expected, (
        f"{r.operation} as {who}: {status:#x}, expected {expected:#x} ({r.why})"
    )
    after = t.estate.snapshot()
    if status:
        assert after == before, f"a refused {r.operation} changed the estate"
    elif r.mutates:
        assert after != before, f"an allowed {r.operation} changed nothing"


def test_the_table_is_whole() -> None:
    """Every row has a reason and a distinct name, and refusals are the right code."""
    names = [r.operation for r in TABLE]
    assert len(names) == len(set(names))
    for r in TABLE:
        assert r.why
        assert set(r.expect) <= {OK, NO, HR}
        hresult = any(code == HR for code in r.expect)
        assert not (hresult and NO in r.expect), r.operation


def test_the_anonymous_column_stands_for_both_front_ends() -> None:
    """The RPC front end's ANONYMOUS LOGON and the web's IUSR are members of Everyone only."""
    from spoolsim.net import web

    assert web.ANONYMOUS.groups == PRINCIPALS["anonymous"].groups == frozenset({EVERYONE})


def test_a_handle_gains_manage_limited_with_administer() -> None:
    """MAXIMUM_ALLOWED on P1 gives managers PRINTER_ACCESS_MANAGE_LIMITED with _ADMINISTER,
    and users neither."""
    estate = AccessEstate()
    for who, has in (("user", False), ("operator", True), ("admin", True)):
        client = Client(estate.surface, PRINCIPALS[who])
        h = client.RpcAsyncOpenPrinter("P1", None, None, A.MAXIMUM_ALLOWED).pHandle
        granted = estate.surface.lookup(h, client.session).granted
        limited = A.PRINTER_ACCESS_MANAGE_LIMITED | A.PRINTER_ACCESS_ADMINISTER
        assert (granted & limited == limited) is has, who


def test_printer_attributes_unchanged_by_a_refused_delete() -> None:
    """A spot check of the snapshot: a refused DeletePrinter leaves P1 without
    PENDING_DELETION and with its job, an allowed one marks it."""
    for who, refused in (("user", True), ("admin", False)):
        t = Trial(who)
        h = t.client.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ACCESS_USE).pHandle
        if not refused:
            h = t.client.RpcAsyncOpenPrinter("P1", None, None, A.PRINTER_ALL_ACCESS).pHandle
        r = t.client.RpcAsyncDeletePrinter(h)
        p1 = t.estate.server.printers["p1"]
        assert (r.status == NO) is refused
        assert p1.pending_deletion is not refused
        assert p1.queue == [t.estate.bob_job]
        assert p1.attributes & PrinterAttributes.SHARED
