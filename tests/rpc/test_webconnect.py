"""Internet Printing's Connect as whole timelines: the zone check, the printer's page, in-box and
cached drivers, packages built per client architecture (the documented E0000102 failure of an x64
server and an x86 pre-Vista client), the port named by the printer's URL."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spoolsim.model.clients import ClientMachine
from spoolsim.model.constants import ERROR_LINE_NOT_FOUND, PrinterAttributes, Win32
from spoolsim.model.driverfiles import driver_directory
from spoolsim.model.printers import Printer
from spoolsim.model.security import admin, user
from spoolsim.model.webpackages import PACKAGE_CAB, PACKAGE_INF
from spoolsim.rpc import Surface
from spoolsim.rpc.pointprint import add_printer_connection
from spoolsim.rpc.pointprint import run_now as run_pnp
from spoolsim.rpc.webconnect import (
    INTERNET_PORT_MONITOR,
    Download,
    RoundTrip,
    WebConnectResult,
    local_printer_name,
    run_now,
    web_connect,
)
from tests.model.test_webpackages import (
    ARM64,
    BROKEN_MEDIA,
    DRIVER,
    FIXED_MEDIA,
    SIZES,
    X64,
    X86,
    Estate,
    fab_inf,
    inf_size,
)

PAGE = "http://NTPRINT/printers/Laser/"
PORT = PAGE + ".printer"
RTT = 1.0  # seconds per HTTP round trip
RATE = 1_000_000  # bytes per second
X86_CAB = sum(SIZES[X86].values())
X64_CAB = sum(SIZES[X64].values())

# The facts each event kind is compared by, after its kind and time.
FACTS = {
    "web.connect": ("zone",),
    "web.refused": ("zone", "protected_mode"),
    "web.printer": ("driver",),
    "web.package_attempt": ("n", "status"),
    "web.package_built": ("environment", "package", "bytes"),
    "web.package_cached": ("environment", "package", "bytes"),
    "web.driver": ("source",),
    "web.port_created": ("port",),
    "web.connected": ("source", "bytes"),
    "web.failed": ("status",),
}


class Rig:
    """An :class:`Estate` behind a method surface, and a driver that charges each step."""

    def __init__(self, x86_media: str = BROKEN_MEDIA) -> None:
        self.estate = Estate(x86_media)
        self.server = self.estate.server
        self.surface = Surface(self.server)
        self.steps: list[RoundTrip | Download] = []

    def connect(
        self, client: ClientMachine, start: float = 0.0, printer: str = "Laser", principal=None
    ) -> WebConnectResult:
        """Connect ``client``, a round trip costing RTT and a download RTT plus its bytes at
        RATE."""
        flow = web_connect(
            client, self.surface, principal or user("u", client.name), printer, start
        )
        now = start
        self.steps = []
        try:
            step = next(flow)
            while True:
                self.steps.append(step)
                now += RTT + (step.size / RATE if isinstance(step, Download) else 0.0)
                step = flow.send(now)
        except StopIteration as stop:
            result = stop.value
        assert result.finished == now
        return result

    def timeline(self, client: ClientMachine) -> list[tuple]:
        """``client``'s web events as (kind, time, *facts)."""
        return [
            (e.kind, round(e.time, 6), *(e.get(k) for k in FACTS[e.kind]))
            for e in self.server.log
            if e.kind.startswith("web.") and e.subject == client.name
        ]


def ports(client: ClientMachine) -> list[str]:
    return [p.name for p in client.spooler.ports.values() if p.monitor == INTERNET_PORT_MONITOR]


def download_time(size: int) -> float:
    return round(RTT + size / RATE, 6)


# -- pre-Vista clients: the package built from the INF, read for the server's architecture ---------


def test_xp_x86_fails_with_e0000102_after_five_attempts():
    rig = Rig(BROKEN_MEDIA)
    xp = ClientMachine("XP1", os="Windows XP", architecture="x86")
    result = rig.connect(xp)
    assert rig.timeline(xp) == [
        ("web.connect", 0.0, "intranet"),
        ("web.printer", 1.0, DRIVER),
        ("web.package_attempt", 2.0, 1, 0xE0000102),
        ("web.package_attempt", 3.0, 2, 0xE0000102),
        ("web.package_attempt", 4.0, 3, 0xE0000102),
        ("web.package_attempt", 5.0, 4, 0xE0000102),
        ("web.package_attempt", 6.0, 5, 0xE0000102),
        ("web.failed", 6.0, 0xE0000102),
    ]
    assert result == WebConnectResult(
        status=ERROR_LINE_NOT_FOUND,
        client="XP1",
        printer="Laser",
        driver_source="",
        package=PACKAGE_INF,
        bytes=0,
        port="",
        attempts=5,
        started=0.0,
        finished=6.0,
        detail=result.detail,
        message="Printer Installation Failed, Error Code = E0000102",
    )
    assert not result.ok
    assert "[SourceDisksNames.amd64] or [SourceDisksNames]" in result.detail
    assert "Error Code = E0000102" in result.message
    # Nothing was downloaded, nothing installed, no port.
    assert not any(isinstance(s, Download) for s in rig.steps)
    assert [s.call for s in rig.steps] == [f"GET {PAGE}"] + [f"GET {PAGE}.package/x86-inf.cab"] * 5
    assert xp.spooler.drivers.find(DRIVER, X86) is None
    assert ports(xp) == [] and len(rig.server.web_packages) == 0


def test_after_renaming_the_section_xp_connects_and_a_second_xp_gets_the_cached_build():
    rig = Rig(FIXED_MEDIA)
    package = inf_size(rig.estate.infs[X86]) + X86_CAB
    xp1 = ClientMachine("XP1", os="Windows XP", architecture="x86")
    xp2 = ClientMachine("XP2", os="Windows XP", architecture="x86")
    first = rig.connect(xp1)
    assert [(type(s).__name__, getattr(s, "call", getattr(s, "path", ""))) for s in rig.steps] == [
        ("RoundTrip", f"GET {PAGE}"),
        ("RoundTrip", f"GET {PAGE}.package/x86-inf.cab"),
        ("Download", f"{PAGE}.package/x86-inf.cab"),
    ]
    second = rig.connect(xp2, start=10.0)
    done = round(2.0 + download_time(package), 6)
    assert rig.timeline(xp1) == [
        ("web.connect", 0.0, "intranet"),
        ("web.printer", 1.0, DRIVER),
        ("web.package_built", 2.0, X86, PACKAGE_INF, package),
        ("web.driver", done, "download"),
        ("web.port_created", done, PORT),
        ("web.connected", done, "download", package),
    ]
    assert rig.timeline(xp2) == [
        ("web.connect", 10.0, "intranet"),
        ("web.printer", 11.0, DRIVER),
        ("web.package_cached", 12.0, X86, PACKAGE_INF, package),
        ("web.driver", done + 10.0, "download"),
        ("web.port_created", done + 10.0, PORT),
        ("web.connected", done + 10.0, "download", package),
    ]
    assert (first.ok, first.package, first.bytes, first.attempts, first.port) == (
        True,
        PACKAGE_INF,
        package,
        1,
        PORT,
    )
    assert first.message == "Connected to Laser on NTPRINT"
    assert (second.attempts, second.bytes) == (0, package)
    assert rig.server.web_packages.builds == 1
    for client in (xp1, xp2):
        assert ports(client) == [PORT]
        local = client.spooler.printers[local_printer_name("NTPRINT", "Laser").lower()]
        assert (local.name, local.ports, local.driver_name) == (
            "Laser on http://NTPRINT",
            [PORT],
            DRIVER,
        )
        # The x86 driver and its files (not the INF) are in the client's driver directory.
        assert client.spooler.drivers.find(DRIVER, X86) == rig.estate.driver(X86)
        home = driver_directory(X86, 3)
        assert {n: client.spooler.files.get(f"{home}\\{n}").size for n in SIZES[X86]} == SIZES[X86]
        assert client.spooler.files.get(f"{home}\\fab.inf") is None


def test_fixing_the_inf_on_the_server_lets_the_same_xp_client_connect():
    rig = Rig(BROKEN_MEDIA)
    xp = ClientMachine("XP1", os="Windows XP", architecture="x86")
    assert rig.connect(xp).status == ERROR_LINE_NOT_FOUND
    rig.estate.install(X86, fab_inf(FIXED_MEDIA))  # upload the renamed INF, reinstall from it
    again = rig.connect(xp, start=20.0)
    assert again.ok and (again.attempts, again.driver_source) == (1, "download")
    assert ports(xp) == [PORT]


def test_an_x64_xp_client_gets_a_package_built_from_the_x64_inf():
    rig = Rig(BROKEN_MEDIA)
    xp = ClientMachine("XP64", os="Windows XP", architecture="x64")
    result = rig.connect(xp)
    assert result.ok and result.package == PACKAGE_INF
    assert result.bytes == inf_size(rig.estate.infs[X64]) + X64_CAB


# -- Vista and later: the precompiled package of the client's architecture -------------------------


@pytest.mark.parametrize(
    ("arch", "env", "size", "url"),
    [
        ("x86", X86, X86_CAB, f"{PAGE}.package/x86.cab"),
        ("x64", X64, X64_CAB, f"{PAGE}.package/amd64.cab"),
    ],
)
def test_windows_7_gets_the_cab_of_its_architecture(arch, env, size, url):
    rig = Rig(BROKEN_MEDIA)  # the x86 INF is never read for a cab
    win7 = ClientMachine("W7", os="Windows 7", architecture=arch)
    result = rig.connect(win7)
    done = round(2.0 + download_time(size), 6)
    assert rig.timeline(win7) == [
        ("web.connect", 0.0, "intranet"),
        ("web.printer", 1.0, DRIVER),
        ("web.package_built", 2.0, env, PACKAGE_CAB, size),
        ("web.driver", done, "download"),
        ("web.port_created", done, PORT),
        ("web.connected", done, "download", size),
    ]
    assert [s for s in rig.steps if isinstance(s, Download)] == [Download(url, size)]
    assert (result.package, result.bytes, result.attempts, result.port) == (
        PACKAGE_CAB,
        size,
        1,
        PORT,
    )
    assert win7.spooler.drivers.find(DRIVER, env) == rig.estate.driver(env)


def test_windows_10_with_an_inbox_driver_downloads_nothing():
    rig = Rig()
    win10 = ClientMachine("W10", os="Windows 10", inbox=frozenset({DRIVER.lower()}))
    result = rig.connect(win10)
    assert rig.timeline(win10) == [
        ("web.connect", 0.0, "intranet"),
        ("web.printer", 1.0, DRIVER),
        ("web.driver", 1.0, "inbox"),
        ("web.port_created", 1.0, PORT),
        ("web.connected", 1.0, "inbox", 0),
    ]
    assert (result.driver_source, result.package, result.bytes, result.attempts) == (
        "inbox",
        "",
        0,
        0,
    )
    assert not any(isinstance(s, Download) for s in rig.steps)
    assert win10.spooler.drivers.find(DRIVER, X64) is not None
    assert len(rig.server.web_packages) == 0


def test_a_client_that_has_the_driver_uses_its_cache():
    """The driver came by Point and Print; the web connection then needs nothing."""
    rig = Rig()
    client = ClientMachine("W11", os="Windows 11")
    pnp = run_pnp(
        add_printer_connection(client, rig.surface, admin("a", "W11"), "\\\\NTPRINT\\Laser", 0.0),
        0.0,
    )
    assert pnp.ok and pnp.driver_source == "download"
    result = rig.connect(client, start=5.0)
    assert rig.timeline(client) == [
        ("web.connect", 5.0, "intranet"),
        ("web.printer", 6.0, DRIVER),
        ("web.driver", 6.0, "cache"),
        ("web.port_created", 6.0, PORT),
        ("web.connected", 6.0, "cache", 0),
    ]
    assert (result.driver_source, result.bytes, result.package) == ("cache", 0, "")


def test_connecting_again_is_idempotent():
    rig = Rig()
    client = ClientMachine("W7", os="Windows 7", architecture="x86")
    assert rig.connect(client).driver_source == "download"
    again = rig.connect(client, start=10.0)
    assert rig.timeline(client)[-4:] == [
        ("web.connect", 10.0, "intranet"),
        ("web.printer", 11.0, DRIVER),
        ("web.driver", 11.0, "cache"),
        ("web.connected", 11.0, "cache", 0),
    ]
    assert again.port == PORT and ports(client) == [PORT]
    assert len(client.spooler.printers) == 1


def test_a_printer_reached_by_its_share_name_and_a_name_with_a_space():
    rig = Rig()
    rig.server.add_printer(
        Printer(
            "Laser Two",
            ["LPT1:"],
            DRIVER,
            share_name="L2",
            attributes=PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
        ),
        0.0,
    )
    client = ClientMachine("W10", os="Windows 10")
    assert rig.connect(client, printer="L2").port == "http://NTPRINT/printers/L2/.printer"
    spaced = rig.connect(client, printer="Laser Two")
    assert spaced.port == "http://NTPRINT/printers/Laser%20Two/.printer"
    assert sorted(ports(client)) == sorted(
        ["http://NTPRINT/printers/L2/.printer", "http://NTPRINT/printers/Laser%20Two/.printer"]
    )


# -- the zone check --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "protected_mode", "allowed"),
    [
        ("intranet", True, True),
        ("trusted", True, True),
        ("local", True, True),
        ("internet", True, False),
        ("internet", False, True),
        ("restricted", True, False),
        ("restricted", False, False),
    ],
)
def test_the_zone_decides_before_anything_is_fetched(zone, protected_mode, allowed):
    rig = Rig()
    client = ClientMachine(
        "W10", os="Windows 10", zones={"ntprint": zone}, protected_mode=protected_mode
    )
    result = rig.connect(client)
    if allowed:
        assert result.ok and result.port == PORT
        assert rig.timeline(client)[0] == ("web.connect", 0.0, zone)
        return
    assert rig.timeline(client) == [
        ("web.connect", 0.0, zone),
        ("web.refused", 0.0, zone, protected_mode),
        ("web.failed", 0.0, Win32.ERROR_ACCESS_DENIED),
    ]
    assert result.status == Win32.ERROR_ACCESS_DENIED
    assert rig.steps == [] and result.bytes == 0 and ports(client) == []
    assert result.message == result.detail
    assert "zone" in result.message and "blocked" in result.message


def test_zones_are_matched_without_case_and_checked():
    client = ClientMachine("C", zones={"NTPrint": "internet"})
    assert client.zone_of("NTPRINT") == "internet"
    assert client.zone_of("OTHER") == "intranet"
    assert client.zone_refuses("ntprint") is not None
    with pytest.raises(ValueError, match="zone 'dmz'"):
        ClientMachine("C", zones={"ntprint": "dmz"})


# -- failures --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Nope", "Laser, Job 1", ""])
def test_an_unknown_printer(name):
    rig = Rig()
    client = ClientMachine("W10", os="Windows 10")
    result = rig.connect(client, printer=name)
    assert rig.timeline(client) == [
        ("web.connect", 0.0, "intranet"),
        ("web.failed", 1.0, Win32.ERROR_INVALID_PRINTER_NAME),
    ]
    assert result.status == Win32.ERROR_INVALID_PRINTER_NAME
    assert (result.bytes, result.port, result.driver_source) == (0, "", "")
    assert ports(client) == []


def test_a_vista_client_whose_architecture_the_server_lacks():
    rig = Rig()
    arm = ClientMachine("ARM", os="Windows 11", architecture="arm64")
    result = rig.connect(arm)
    assert rig.timeline(arm) == [
        ("web.connect", 0.0, "intranet"),
        ("web.printer", 1.0, DRIVER),
        ("web.package_attempt", 2.0, 1, Win32.ERROR_UNKNOWN_PRINTER_DRIVER),
        ("web.failed", 2.0, Win32.ERROR_UNKNOWN_PRINTER_DRIVER),
    ]
    assert result.status == 1797 and ARM64 in result.detail
    assert result.message == "Printer Installation Failed, Error Code = 00000705"
    assert (result.bytes, result.attempts, result.package) == (0, 1, PACKAGE_CAB)


def test_run_now_takes_no_time_and_rpc_calls_are_the_users():
    rig = Rig()
    client = ClientMachine("W7", os="Windows 7", architecture="x86")
    mark = len(rig.server.log)
    result = run_now(web_connect(client, rig.surface, user("bob", "W7"), "Laser", 3.0), 3.0)
    assert result.ok and result.started == result.finished == 3.0
    calls = [
        (e.subject, e.get("user")) for e in list(rig.server.log)[mark:] if e.kind == "rpc.call"
    ]
    assert calls == [
        ("RpcAsyncOpenPrinter", "bob"),
        ("RpcAsyncGetPrinter", "bob"),
        ("RpcAsyncGetPrinter", "bob"),
        ("RpcAsyncClosePrinter", "bob"),
    ]
    assert rig.surface.open_handles() == []


# -- a property over many clients ------------------------------------------------------------------

OSES = ["Windows 2000", "Windows XP", "Windows Vista", "Windows 7", "Windows 10", "Windows 11"]
ZONES = ["local", "intranet", "trusted", "internet", "restricted"]
clients = st.tuples(
    st.integers(0, 5),  # which client machine (the same one may come back)
    st.sampled_from(OSES),
    st.sampled_from(["x86", "x64", "arm64"]),
    st.sampled_from(ZONES),
    st.booleans(),  # Protected Mode
    st.booleans(),  # the driver is in-box
    st.sampled_from(["Laser", "Laser2"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(clients, max_size=14), st.sampled_from([BROKEN_MEDIA, FIXED_MEDIA]))
def test_packages_are_built_once_and_connected_clients_hold_one_port(seq, media):
    """Whatever clients connect, in whatever order: the server builds each (driver, environment,
    kind) package at most once; nothing is downloaded when the zone refuses, the driver is in-box
    or cached; a refusal happens exactly when the zone rules say; a connected client ends with
    exactly one port named by the printer's URL."""
    rig = Rig(media)
    rig.server.add_printer(
        Printer(
            "Laser2",
            ["LPT1:"],
            DRIVER,
            share_name="Laser2",
            attributes=PrinterAttributes.QUEUED | PrinterAttributes.SHARED,
        ),
        0.0,
    )
    machines: dict[int, ClientMachine] = {}
    connected: set[tuple[int, str]] = set()
    t = 0.0
    for i, os_name, arch, zone, protected, inbox, printer in seq:
        old = machines.get(i)
        if old is None or (old.os, old.architecture) != (os_name, arch):
            old = machines[i] = ClientMachine(f"C{i}", os=os_name, architecture=arch)
            connected = {c for c in connected if c[0] != i}
        client = old
        client.zones = {"ntprint": zone}
        client.protected_mode = protected
        client.inbox = frozenset({DRIVER}) if inbox else frozenset()
        result = rig.connect(client, start=t, printer=printer)
        t = result.finished + 1.0
        refused = zone == "restricted" or (zone == "internet" and protected)
        assert (result.status == Win32.ERROR_ACCESS_DENIED) == refused, result
        downloads = [s for s in rig.steps if isinstance(s, Download)]
        if refused or result.driver_source in ("inbox", "cache") or not result.ok:
            assert downloads == [] and result.bytes == 0
        else:
            assert result.driver_source == "download"
            assert [d.size for d in downloads] == [result.bytes]
        if result.ok:
            connected.add((i, printer))
        url = f"http://NTPRINT/printers/{printer}/.printer"
        if (i, printer) in connected:
            assert [p for p in ports(client) if p.lower() == url.lower()] == [url]
    built = [
        (e.get("driver"), e.get("environment"), e.get("package"))
        for e in rig.server.log.of_kind("web.package_built")
    ]
    assert len(built) == len(set(built))
    assert rig.server.web_packages.builds == len(built)
    for i, printer in connected:
        url = f"http://NTPRINT/printers/{printer}/.printer"
        assert ports(machines[i]).count(url) == 1


def test_an_inbox_driver_needs_no_server_driver_for_the_clients_architecture():
    rig = Rig()
    arm = ClientMachine("ARM", os="Windows 11", architecture="arm64", inbox=frozenset({DRIVER}))
    result = rig.connect(arm)
    assert (result.ok, result.driver_source, result.bytes) == (True, "inbox", 0)
    assert arm.spooler.drivers.find(DRIVER, ARM64) is not None
