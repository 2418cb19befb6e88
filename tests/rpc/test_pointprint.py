"""Point and Print: the WDK's connection example as a whole timeline, the driver cache, in-box
drivers, the installation policy, driver updates, and per-machine connections (opnums 55-57)."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.model import PrintServer
from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import Access, PrinterAttributes, RegType, Win32
from spoolsim.model.driverfiles import driver_directory, driver_files
from spoolsim.model.files import FileRecord
from spoolsim.model.pointprint import (
    COPYFILE_EVENT_ADD_PRINTER_CONNECTION,
    COPYFILE_EVENT_FILES_CHANGED,
    COPYFILE_EVENT_SET_PRINTER_DATAEX,
    COPYFILE_FLAG_CLIENT_SPOOLER,
    COPYFILE_FLAG_SERVER_SPOOLER,
    PRINTER_EVENT_ADD_CONNECTION,
    PRINTER_EVENT_CACHE_REFRESH,
    PointAndPrintDll,
    PointAndPrintPolicy,
)
from spoolsim.model.security import admin, user
from spoolsim.rpc import Client, Container, Surface
from spoolsim.rpc.pointprint import Download, RoundTrip, add_printer_connection, run_now
from spoolsim.scenario.build import install_driver
from spoolsim.scenario.schema import DriverSpec
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import pack_multi_sz, pack_string, unpack

DRIVER = DriverSpec(
    name="HP Color LaserJet PS",
    architectures=("x86", "x64"),
    version=(61 << 48) | (1 << 32),
    date=133_000_000_000_000_000,
    driver_file="pscript5.dll",
    config_file="ps5ui.dll",
    data_file="hpclj.ppd",
    files={"pscript5.dll": 600_000, "ps5ui.dll": 400_000, "hpclj.ppd": 90_000, "hp.ini": 2_000},
)
ICM_FILE = "hpclrlsr.icm"


class Icm:
    """An ICM-like Point and Print DLL that records its calls and changes no path."""

    def __init__(self) -> None:
        self.paths: list[tuple] = []
        self.events: list[tuple] = []

    def dll(self) -> PointAndPrintDll:
        def paths(printer, directory, source, target, flags):
            self.paths.append((printer, directory, source, target, flags))
            return source, target

        def event(printer, key, code):
            self.events.append((printer, key, code))
            return True

        return PointAndPrintDll("mscms.dll", paths, event)


class Rig:
    def __init__(self, server_name: str = "NTPRINT", printer: str = "HpColor") -> None:
        self.server = PrintServer(name=server_name)
        install_driver(self.server, DRIVER)
        self.surface = Surface(self.server)
        self.admin = Client(self.surface, admin())
        self.server_icm = Icm()
        self.server.point_and_print_dlls["mscms.dll"] = self.server_icm.dll()
        self.add_printer(printer)

    def add_printer(self, name: str) -> None:
        info = {
            "pPrinterName": name,
            "pPortName": "LPT1:",
            "pDriverName": DRIVER.name,
            "pPrintProcessor": "winprint",
            "Attributes": PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
        }
        r = self.admin.RpcAsyncAddPrinter(None, Container(2, info), None, None)
        assert r.ok, r

    def copyfiles_icm(self, printer: str = "HpColor") -> None:
        """What AssociateColorProfileWithDevice leaves on the server (WDK example)."""
        self.server.files.put(
            f"C:\\Windows\\System32\\spool\\drivers\\Color\\{ICM_FILE}", FileRecord(size=3_000)
        )
        h = self.admin.RpcAsyncOpenPrinter(
            printer, None, None, Access.PRINTER_ACCESS_ADMINISTER
        ).pHandle
        for name, type_, data in (
            ("Directory", RegType.REG_SZ, pack_string("Color")),
            ("Files", RegType.REG_MULTI_SZ, pack_multi_sz([ICM_FILE])),
            ("Module", RegType.REG_SZ, pack_string("mscms.dll")),
        ):
            r = self.admin.RpcAsyncSetPrinterDataEx(
                h, "CopyFiles\\ICM", name, type_, data, len(data)
            )
            assert r.ok, r
        self.admin.RpcAsyncClosePrinter(h)

    def connect(self, client: ClientMachine, principal=None, printer="HpColor"):
        flow = add_printer_connection(
            client,
            self.surface,
            principal or admin("me", client.name),
            f"\\\\{self.server.name}\\{printer}",
            0.0,
        )
        return run_now(flow, 0.0)

    def pnp_events(self, since: int = 0) -> list:
        return [e for e in list(self.server.log)[since:] if e.kind.startswith("pnp.")]


def test_the_documented_connection_example_in_order():
    """WDK "Downloading Queue-Specific Files": NTPRINT, MyClient, HpColor, CopyFiles\\ICM."""
    rig = Rig()
    rig.copyfiles_icm()
    client_icm = Icm()
    client = ClientMachine(
        "MyClient", os="Windows 2000", architecture="x86", modules={"mscms.dll": client_icm.dll()}
    )
    mark = len(rig.server.log)
    result = rig.connect(client)
    assert result.ok, result
    # The server's DLL saw the queue name, PRINT$-relative target, server flag.
    assert rig.server_icm.paths[0] == (
        "HpColor",
        "Color",
        "\\\\NTPRINT\\PRINT$\\Color",
        "Color",
        COPYFILE_FLAG_SERVER_SPOOLER,
    )
    # The client's DLL saw the connection name and TargetDir expanded on the client.
    target = "C:\\WINNT\\System32\\spool\\drivers\\Color"
    assert client_icm.paths == [
        (
            "\\\\NTPRINT\\HpColor",
            "Color",
            "\\\\NTPRINT\\PRINT$\\Color",
            target,
            COPYFILE_FLAG_CLIENT_SPOOLER,
        )
    ]
    assert client.spooler.files.get(f"{target}\\{ICM_FILE}") == FileRecord(size=3_000)
    assert client_icm.events == [
        ("\\\\NTPRINT\\HpColor", "ICM", COPYFILE_EVENT_FILES_CHANGED),
        ("\\\\NTPRINT\\HpColor", "ICM", COPYFILE_EVENT_ADD_PRINTER_CONNECTION),
    ]
    kinds = []
    for e in rig.pnp_events(mark):
        step = e.kind
        if e.kind in ("pnp.copy_file_paths",):
            step += ":" + str(e.get("side"))
        if e.kind in ("pnp.copy_file_event", "pnp.printer_event"):
            step += ":" + str(e.get("event"))
        if not kinds or kinds[-1] != step:  # a probe and its call enumerate the key twice
            kinds.append(step)
    assert kinds == [
        "pnp.connect",
        "pnp.driver",
        "pnp.copy_file_paths:server",
        "pnp.keys_copied",
        "pnp.keys_cached",
        "pnp.copy_file_paths:client",
        "pnp.files_downloaded",
        f"pnp.copy_file_event:{COPYFILE_EVENT_FILES_CHANGED}",
        f"pnp.printer_event:{PRINTER_EVENT_CACHE_REFRESH}",
        f"pnp.printer_event:{PRINTER_EVENT_ADD_CONNECTION}",
        f"pnp.copy_file_event:{COPYFILE_EVENT_ADD_PRINTER_CONNECTION}",
        "pnp.connected",
    ]
    # SourceDir and TargetDir were made up for the reply, never stored.
    stored = rig.server.printers["hpcolor"].data.values("CopyFiles\\ICM")
    assert sorted(v.name for v in stored) == ["Directory", "Files", "Module"]
    cached = dict(client.connections["\\\\ntprint\\hpcolor"].keys)["CopyFiles\\ICM"]
    assert {name for name, _, _ in cached} == {
        "Directory",
        "Files",
        "Module",
        "SourceDir",
        "TargetDir",
    }
    # The x86 client got the x86 driver, all four files.
    assert result.driver_source == "download"
    assert result.driver_files == 4 and result.queue_files == 1
    assert result.bytes == sum(DRIVER.files.values()) + 3_000
    assert client.spooler.drivers.find(DRIVER.name, "Windows NT x86") is not None


def test_the_flow_charges_round_trips_and_downloads():
    rig = Rig()
    client = ClientMachine("C1", os="Windows 10", architecture="x64")
    flow = add_printer_connection(client, rig.surface, admin(), "\\\\NTPRINT\\HpColor", 0.0)
    steps, now = [], 0.0
    try:
        step = next(flow)
        while True:
            steps.append(step)
            now += 1.0
            step = flow.send(now)
    except StopIteration as stop:
        result = stop.value
    downloads = [s for s in steps if isinstance(s, Download)]
    assert sorted(d.path.rsplit("\\", 1)[1] for d in downloads) == sorted(DRIVER.files)
    assert all(d.path.startswith("\\\\NTPRINT\\print$\\x64\\3\\") for d in downloads)
    calls = [s.call for s in steps if isinstance(s, RoundTrip)]
    assert calls[0] == "RpcAsyncOpenPrinter" and calls[-1] == "RpcAsyncClosePrinter"
    assert calls[1:3] == ["RpcAsyncGetPrinterDriver"] * 2  # size probe, then the call
    assert result.finished == now == len(steps)


def test_a_second_printer_with_the_same_driver_downloads_nothing():
    rig = Rig()
    rig.add_printer("HpColor2")
    client = ClientMachine("C1", architecture="x64")
    first = rig.connect(client)
    second = rig.connect(client, printer="HpColor2")
    assert (first.driver_source, first.driver_files) == ("download", 4)
    assert (second.driver_source, second.driver_files, second.bytes) == ("cache", 0, 0)
    assert set(client.connections) == {"\\\\ntprint\\hpcolor", "\\\\ntprint\\hpcolor2"}


def test_an_inbox_driver_is_installed_from_the_clients_own_store():
    rig = Rig()
    client = ClientMachine("C1", inbox=frozenset({DRIVER.name.upper()}))
    result = rig.connect(client, principal=user("u", "C1"))  # no rights needed: no download
    assert (result.status, result.driver_source, result.bytes) == (0, "inbox", 0)


def test_a_user_cannot_install_a_driver_by_default():
    rig = Rig()
    client = ClientMachine("C1")
    result = rig.connect(client, principal=user("u", "C1"))
    assert result.status == Win32.ERROR_ACCESS_DENIED
    assert "RestrictDriverInstallationToAdministrators" in result.detail
    assert (
        not client.connections and client.spooler.drivers.find(DRIVER.name, "Windows x64") is None
    )
    assert [e.kind for e in rig.pnp_events()][-2:] == ["pnp.denied", "pnp.failed"]
    # The refused connection closed its handle on the server.
    assert [h for h in rig.surface.open_handles() if h.session != rig.admin.session.id] == []


@pytest.mark.parametrize(
    "policy, allowed",
    [
        (PointAndPrintPolicy(True, ("NTPRINT",)), False),  # restriction beats the list
        (PointAndPrintPolicy(False, None), True),  # no list configured
        (PointAndPrintPolicy(False, ("ntprint",)), True),
        (PointAndPrintPolicy(False, ("\\\\NTPRINT",)), True),
        (PointAndPrintPolicy(False, ("OTHER",)), False),
        (PointAndPrintPolicy(False, ()), False),
    ],
)
def test_the_trusted_server_list_decides_for_users(policy, allowed):
    rig = Rig()
    result = rig.connect(ClientMachine("C1", policy=policy), principal=user("u", "C1"))
    assert result.ok is allowed, result
    assert result.status in (0, Win32.ERROR_ACCESS_DENIED)


def test_an_administrator_may_always_install():
    rig = Rig()
    assert rig.connect(ClientMachine("C1"), principal=admin("a", "C1")).ok


def test_after_a_driver_update_only_changed_files_are_fetched():
    rig = Rig()
    client = ClientMachine("C1")
    assert rig.connect(client).driver_files == 4
    old = rig.server.drivers.find(DRIVER.name, "Windows x64")
    newer = old.driver_version + 1
    rig.server.files.put(
        "C:\\Windows\\System32\\spool\\drivers\\x64\\3\\pscript5.dll",
        FileRecord(size=650_000, version=newer),
    )
    rig.server.drivers.add(attrs.evolve(old, driver_version=newer))
    again = rig.connect(client)
    assert (again.driver_source, again.driver_files, again.bytes) == ("download", 1, 650_000)
    assert client.spooler.drivers.find(DRIVER.name, "Windows x64").driver_version == newer


def test_no_driver_for_the_clients_architecture():
    rig = Rig()
    result = rig.connect(ClientMachine("C1", architecture="arm64"))
    assert result.status == Win32.ERROR_UNKNOWN_PRINTER_DRIVER
    assert result.driver_source == ""


def test_a_bad_connection_name_and_an_unknown_printer():
    rig = Rig()
    client = ClientMachine("C1")
    flow = add_printer_connection(client, rig.surface, admin(), "HpColor", 0.0)
    assert run_now(flow, 0.0).status == Win32.ERROR_INVALID_PRINTER_NAME
    assert rig.connect(client, printer="Nope").status == Win32.ERROR_INVALID_PRINTER_NAME


def test_a_missing_queue_file_fails_the_connection():
    rig = Rig()
    rig.copyfiles_icm()
    rig.server.files.remove(f"C:\\Windows\\System32\\spool\\drivers\\Color\\{ICM_FILE}")
    result = rig.connect(ClientMachine("C1"))
    assert result.status == Win32.ERROR_FILE_NOT_FOUND
    assert ICM_FILE in result.detail


def test_set_printer_data_on_copyfiles_tells_the_servers_dll():
    rig = Rig()
    rig.copyfiles_icm()
    # The first SetPrinterDataEx (Directory) came before Module named the DLL.
    assert rig.server_icm.events == [("HpColor", "ICM", COPYFILE_EVENT_SET_PRINTER_DATAEX)]


def test_per_machine_connections_opnums_55_to_57():
    rig = Rig()
    c = rig.admin
    r = c.call(55, None, "\\\\NTPRINT\\HpColor", "\\\\NTPRINT", "win32spl.dll")
    assert r.ok, r
    assert c.call(55, None, "HpColor", "\\\\NTPRINT", "win32spl.dll").status == (
        Win32.ERROR_INVALID_PRINTER_NAME
    )
    assert c.call(55, None, "\\\\NTPRINT\\X", "", "win32spl.dll").status == (
        Win32.ERROR_INVALID_PARAMETER
    )
    assert c.call(55, None, "\\\\NTPRINT\\X", "\\\\NTPRINT", "").status == (
        Win32.ERROR_INVALID_PARAMETER
    )
    probe = c.call(57, None, 0)
    assert probe.status == Win32.ERROR_INSUFFICIENT_BUFFER
    r = c.call(57, None, probe.pcbNeeded)
    assert r.ok and r.pcReturned == 1
    (rec,) = unpack(LAYOUTS[("PRINTER_INFO", 4)], r.pPrinterEnum, 1)
    assert rec == {
        "pPrinterName": "\\\\NTPRINT\\HpColor",
        "pServerName": "\\\\NTPRINT",
        "Attributes": PrinterAttributes.NETWORK,
    }
    # A user may list them (no access check) but not change them.
    alice = Client(rig.surface, user("alice"))
    assert alice.call(57, None, probe.pcbNeeded).ok
    assert alice.call(56, None, "\\\\NTPRINT\\HpColor").status == Win32.ERROR_ACCESS_DENIED
    assert c.call(56, None, "\\\\ntprint\\hpcolor").ok
    assert c.call(56, None, "\\\\NTPRINT\\HpColor").status == Win32.ERROR_INVALID_PRINTER_NAME
    assert c.call(57, None, 0).pcReturned == 0
    assert c.call(57, "\\\\ELSEWHERE", 0).status == Win32.ERROR_INVALID_NAME


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("connect"),
            st.integers(0, 2),
            st.booleans(),
            st.sampled_from(["HpColor", "HpColor2"]),
        ),
        st.tuples(
            st.just("update"),
            st.sets(st.sampled_from(sorted(DRIVER.files)), min_size=1),
            st.integers(1, 10**6),
        ),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(ops, st.sampled_from(["x86", "x64"]))
def test_connections_keep_the_cache_equal_to_the_server_and_fetch_only_differences(seq, arch):
    """Whatever mix of connections and driver updates: a connection that needs a driver is
    refused exactly when the policy refuses the user; a successful one leaves the client with the
    server's driver version and the server's very files, having downloaded exactly the files that
    differed."""
    rig = Rig()
    rig.add_printer("HpColor2")
    env = "Windows NT x86" if arch == "x86" else "Windows x64"
    clients = [
        ClientMachine(f"C{i}", architecture=arch, policy=PointAndPrintPolicy(i == 2, None))
        for i in range(3)
    ]
    for op in seq:
        if op[0] == "update":
            _, changed, size = op
            old = rig.server.drivers.find(DRIVER.name, env)
            new = attrs.evolve(old, driver_version=old.driver_version + 1)
            for name in changed:
                path = f"{driver_directory(env, 3)}\\{name}"
                rig.server.files.put(path, FileRecord(size=size, version=new.driver_version))
            rig.server.drivers.add(new)
            continue
        _, i, is_admin, printer = op
        client = clients[i]
        server_driver = rig.server.drivers.find(DRIVER.name, env)
        server_files = dict(driver_files(rig.server.files, server_driver))
        mine = client.spooler.drivers.find(DRIVER.name, env)
        needs = mine is None or mine.driver_version != server_driver.driver_version
        differing = {p: r for p, r in server_files.items() if client.spooler.files.get(p) != r}
        principal = admin("a", client.name) if is_admin else user("u", client.name)
        result = rig.connect(client, principal=principal, printer=printer)
        refused = needs and not is_admin and client.policy.restrict_to_administrators
        assert (result.status == Win32.ERROR_ACCESS_DENIED) == refused, result
        if refused:
            continue
        assert result.ok, result
        assert result.driver_source == ("download" if needs else "cache")
        if needs:
            assert result.bytes == sum(r.size for r in differing.values())
        else:
            assert result.bytes == 0
        cached = client.spooler.drivers.find(DRIVER.name, env)
        assert cached.driver_version == server_driver.driver_version
        for path, record in server_files.items():
            assert client.spooler.files.get(path) == record
