"""Client machines: the computers users print from, each with its own spooler.

Every Windows machine runs a spooler. A client's spooler is a :class:`PrintServer` of its own: the
drivers installed in it are the client's driver cache (a second connection to a printer with the
same driver downloads nothing), its files are the client's ``spool\\drivers`` tree, and it keeps
the per-machine connections (RpcAsyncAddPerMachineConnection, opnums 55-57). ``inbox`` names the
drivers the client's OS ships: a connection to a printer whose driver is in-box installs it from
the client's own store and downloads no driver files.

For web printer connections (Internet Printing's Connect, :mod:`spoolsim.rpc.webconnect`) a client
also has its browser's security zones: ``zones`` maps a server name (lower case) to ``local``,
``intranet``, ``trusted``, ``internet`` or ``restricted``; a server not listed is ``intranet``.
With ``protected_mode`` on (Internet Explorer's Protected Mode, the default) a server in the
Internet zone may not install a printer; a Restricted sites server never may; the other zones
may (:meth:`ClientMachine.zone_refuses`). These are the rules of the issue that asked for the web
flow, a model of the browser's behaviour rather than a transcription of it.
"""

from __future__ import annotations

import attrs

from spoolsim.model.pointprint import (
    Connection,
    DrvPrinterEvent,
    PointAndPrintDll,
    PointAndPrintPolicy,
    environment_of,
)
from spoolsim.model.pointprint import (
    os_version as _os_version,
)
from spoolsim.model.server import PrintServer


def _accept(printer: str, event: int, flags: int) -> bool:
    return True


# Security zones by the names ``zones`` uses, with the names the browser shows.
ZONES: dict[str, str] = {
    "local": "Local Machine",
    "intranet": "Local intranet",
    "trusted": "Trusted sites",
    "internet": "Internet",
    "restricted": "Restricted sites",
}
DEFAULT_ZONE = "intranet"


def _check_zones(instance: object, attribute: object, zones: dict[str, str]) -> None:
    for server, zone in zones.items():
        if zone not in ZONES:
            raise ValueError(f"zone {zone!r} for {server!r}; known: {', '.join(ZONES)}")


@attrs.define
class ClientMachine:
    """One client computer.

    Args:
        name: its NetBIOS name.
        os: a name from :data:`spoolsim.model.pointprint.OS_VERSIONS` (``"Windows 10"``).
        architecture: ``x86``, ``x64`` or ``arm64``.
        inbox: driver names the OS ships.
        policy: who may install drivers through Point and Print.
        modules: client-resident Point and Print DLLs by module name.
        drv_printer_event: the DrvPrinterEvent of the drivers this client installs.
        zones: the browser's security zone of each server (lower-case name), for web
            connections; a server not listed is in :data:`DEFAULT_ZONE`.
        protected_mode: the browser's Protected Mode (refuses Internet-zone connections).
    """

    name: str
    os: str = "Windows 11"
    architecture: str = "x64"
    inbox: frozenset[str] = frozenset()
    policy: PointAndPrintPolicy = attrs.Factory(PointAndPrintPolicy)
    modules: dict[str, PointAndPrintDll] = attrs.Factory(dict)
    drv_printer_event: DrvPrinterEvent = _accept
    connections: dict[str, Connection] = attrs.Factory(dict)
    zones: dict[str, str] = attrs.field(factory=dict, validator=_check_zones)
    protected_mode: bool = True
    spooler: PrintServer = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        _os_version(self.os)  # refuse an unknown OS now, not at the first connection
        self.spooler = PrintServer(name=self.name, environment=self.environment)
        self.spooler.log.enabled = False

    @property
    def environment(self) -> str:
        return environment_of(self.architecture)

    @property
    def os_version(self) -> tuple[int, int]:
        return _os_version(self.os)

    def has_inbox(self, driver: str) -> bool:
        return driver.lower() in {d.lower() for d in self.inbox}

    def module(self, name: str) -> PointAndPrintDll | None:
        return self.modules.get(name.lower()) if name else None

    def zone_of(self, server: str) -> str:
        """The security zone ``server`` is in for this client's browser."""
        wanted = server.lower()
        zone = next((z for s, z in self.zones.items() if s.lower() == wanted), DEFAULT_ZONE)
        if zone not in ZONES:
            raise ValueError(f"zone {zone!r} for {server!r}; known: {', '.join(ZONES)}")
        return zone

    def zone_refuses(self, server: str) -> str | None:
        """Why a web connection to ``server`` is refused here (None: it is allowed)."""
        zone = self.zone_of(server)
        if zone == "restricted":
            return f"{server} is in the {ZONES[zone]} zone: connecting a printer is blocked"
        if zone == "internet" and self.protected_mode:
            return (
                f"{server} is in the {ZONES[zone]} zone and Protected Mode is on: "
                "connecting a printer is blocked"
            )
        return None
