"""Print browsing: the announcement settings and the network-printer cache a browse master keeps.

Theory of operation
-------------------
A Windows print server with ``DisableServerThread = 0`` runs a *server thread* that announces its
shared printers to the domain's browse master and backup browsers: a round of RpcAddPrinter calls
at level 1, one PRINTER_INFO_1 per shared printer (fact sheet section 9; KB Q161734, Q227908).
Any server that receives such a call keeps the printer in its *network-printer cache* with a time
stamp; an entry not refreshed within ``NetPrinterDecayPeriod`` is gone. RpcEnumPrinters with
PRINTER_ENUM_NETWORK at level 1 lists the cache, but only the printers of hosts whose last host
announcement (the browser protocol's) carried SV_TYPE_PRINTQ_SERVER.

The four registry values under ``HKLM\\SYSTEM\\CurrentControlSet\\Control\\Print``:

===========================  =========  ===========================================================
value                        default    meaning
===========================  =========  ===========================================================
DisableServerThread          0          1: this server never announces its printers
ServerThreadTimeout          36,000 ms  the least time the server thread sleeps between rounds
NetPrinterDecayPeriod        3,600,000  how long a cached network printer lives without a refresh
RefreshTimesPerDecayPeriod   2          rounds per decay period, 1 to 5
===========================  =========  ===========================================================

**The interval rule.** A round follows the previous one after
``max(ServerThreadTimeout, NetPrinterDecayPeriod / RefreshTimesPerDecayPeriod)``: with the
defaults max(36 s, 3600 s / 2) = 1800 s, twice an hour. KB Q227908 says the system waits for the
larger of the two; the division is our reading of "refreshes per decay period" (the fact sheet
records it as an inference). The 36,000 ms default is KB Q227908's (Windows NT 4.0); Windows
2000 and Server 2003 documentation gives 600,000 ms (``WS2003_SERVER_THREAD_TIMEOUT``), which a
scenario can set. Either way the decay-derived term dominates at the defaults.

**Refused settings.** RefreshTimesPerDecayPeriod outside 1-5; NetPrinterDecayPeriod of 0 (every
entry would be dead on arrival); ServerThreadTimeout of 0 (KB Q227908: not zero when both
values are given, and here both always are). An interval longer than the decay period is allowed
but makes printers flicker out of the list between rounds (the TechNet page warns of it);
:meth:`BrowseSettings.warnings` says so.

**Expiry is exact.** An entry refreshed at ``t`` is listed while ``now < t + decay`` and removed
at ``t + decay`` (the runtime sleeps until :meth:`NetPrinterCache.next_expiry`). KB Q227908's
"removed after 70 minutes" with a 10-minute re-announcement and a 60-minute decay is what a
periodic sweep would add on top; we keep the bound exact, so a printer never outlives its last
refresh plus the decay period.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from typing import TYPE_CHECKING

import attrs

from spoolsim.model.constants import PrinterAttributes, SvType, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.printers import Printer

if TYPE_CHECKING:
    from spoolsim.model.server import PrintServer

DISABLE_SERVER_THREAD = "DisableServerThread"
SERVER_THREAD_TIMEOUT = "ServerThreadTimeout"
NET_PRINTER_DECAY_PERIOD = "NetPrinterDecayPeriod"
REFRESH_TIMES_PER_DECAY_PERIOD = "RefreshTimesPerDecayPeriod"
BROWSE_VALUES = (
    DISABLE_SERVER_THREAD,
    SERVER_THREAD_TIMEOUT,
    NET_PRINTER_DECAY_PERIOD,
    REFRESH_TIMES_PER_DECAY_PERIOD,
)
NT4_SERVER_THREAD_TIMEOUT = 36_000  # ms, KB Q227908
WS2003_SERVER_THREAD_TIMEOUT = 600_000  # ms, TechNet "ServerThreadTimeout" (Windows Server 2003)
DEFAULT_DECAY_PERIOD = 3_600_000  # ms
DEFAULT_REFRESH_TIMES = 2
REFRESH_RANGE = (1, 5)
# The PRINTER_INFO_1 Flags a server thread announces: PRINTER_ATTRIBUTE_SHARED. MS-RPRN 2.2.2.9.2
# says AddPrinter level 1 takes PRINTER_ATTRIBUTE values, and every record of the KB Q161734 trace
# of a browse reply carries 0x00000008.
ANNOUNCED_FLAGS = int(PrinterAttributes.SHARED)


def default_browse_settings() -> dict[str, int]:
    return {
        DISABLE_SERVER_THREAD: 0,
        SERVER_THREAD_TIMEOUT: NT4_SERVER_THREAD_TIMEOUT,
        NET_PRINTER_DECAY_PERIOD: DEFAULT_DECAY_PERIOD,
        REFRESH_TIMES_PER_DECAY_PERIOD: DEFAULT_REFRESH_TIMES,
    }


@attrs.frozen
class BrowseSettings:
    """A server's four print-browsing values (milliseconds, as the registry holds them)."""

    disable_server_thread: int = 0
    server_thread_timeout: int = NT4_SERVER_THREAD_TIMEOUT
    net_printer_decay_period: int = DEFAULT_DECAY_PERIOD
    refresh_times_per_decay_period: int = DEFAULT_REFRESH_TIMES

    @classmethod
    def of(cls, settings: Mapping[str, object]) -> BrowseSettings:
        """The values in a server's settings (missing ones take their defaults)."""
        given = {k: v for k, v in settings.items() if k in BROWSE_VALUES}
        merged = {**default_browse_settings(), **given}
        return cls(*(int(merged[name]) for name in BROWSE_VALUES))  # type: ignore[call-overload]

    @property
    def announces(self) -> bool:
        return self.disable_server_thread == 0

    @property
    def interval(self) -> float:
        """Seconds between two rounds of the server thread (the max() rule)."""
        derived = self.net_printer_decay_period / self.refresh_times_per_decay_period
        return max(self.server_thread_timeout, derived) / 1000.0

    @property
    def decay(self) -> float:
        """Seconds a cached network printer lives without a refresh."""
        return self.net_printer_decay_period / 1000.0

    def problems(self) -> list[str]:
        """Why these values are refused, one message each (empty: they are fine)."""
        out = []
        if self.disable_server_thread not in (0, 1):
            out.append(f"{DISABLE_SERVER_THREAD} must be 0 or 1, not {self.disable_server_thread}")
        low, high = REFRESH_RANGE
        if not low <= self.refresh_times_per_decay_period <= high:
            out.append(
                f"{REFRESH_TIMES_PER_DECAY_PERIOD} must be {low} to {high}, "
                f"not {self.refresh_times_per_decay_period}"
            )
        if self.net_printer_decay_period <= 0:
            out.append(
                f"{NET_PRINTER_DECAY_PERIOD} must be above 0 ms: a printer would leave the "
                "browse list the moment it arrived"
            )
        if self.server_thread_timeout <= 0:
            out.append(
                f"{SERVER_THREAD_TIMEOUT} must be above 0 ms: KB Q227908 forbids zero when "
                f"{REFRESH_TIMES_PER_DECAY_PERIOD} is also given"
            )
        for name, value in zip(BROWSE_VALUES, attrs.astuple(self), strict=True):
            if not 0 <= value <= 0xFFFFFFFF:
                out.append(f"{name} must fit a REG_DWORD, not {value}")
        return out

    def warnings(self) -> list[str]:
        """Settings that work but defeat browsing."""
        if not self.problems() and self.interval > self.decay:
            return [
                f"rounds every {self.interval:g} s outlast the {self.decay:g} s decay period: "
                "printers drop out of the browse list between rounds"
            ]
        return []


def announcement(server_name: str, p: Printer) -> dict[str, object]:
    """The PRINTER_INFO_1 a server thread sends for shared printer ``p`` (KB Q161734's form:
    ``\\\\SERVER\\Share,Driver,Location``)."""
    unc = f"\\\\{server_name}\\{p.share_name or p.name}"
    return {
        "Flags": ANNOUNCED_FLAGS,
        "pDescription": f"{unc},{p.driver_name},{p.location}",
        "pName": unc,
        "pComment": p.comment,
    }


def host_of(unc: str) -> str | None:
    """The server part of ``\\\\SERVER\\Printer``, or None when the name has another form."""
    if not unc.startswith("\\\\"):
        return None
    host, sep, share = unc[2:].partition("\\")
    if not host or not sep or not share or "\\" in share:
        return None
    return host


@attrs.define
class NetPrinter:
    """One cached network printer."""

    name: str  # \\SERVER\Share
    host: str
    description: str
    comment: str
    flags: int
    added: float
    refreshed: float
    expires: float

    def record(self) -> dict[str, object]:
        """Its PRINTER_INFO_1 in an EnumPrinters reply."""
        return {
            "Flags": self.flags,
            "pDescription": self.description,
            "pName": self.name,
            "pComment": self.comment,
        }


@attrs.define
class NetPrinterCache:
    """The network printers and host types a server has heard of.

    ``host_types`` holds each host's server-type bits from its last host announcement (the
    browser protocol's server list); :meth:`listing` shows only printers of hosts whose bits
    include SV_TYPE_PRINTQ_SERVER. :attr:`visible` counts them without building the listing.
    """

    printers: dict[str, NetPrinter] = attrs.Factory(dict)
    host_types: dict[str, int] = attrs.Factory(dict)
    visible: int = 0
    _per_host: dict[str, int] = attrs.Factory(dict)  # host (lower) -> cached printers
    _deadlines: list[tuple[float, str]] = attrs.Factory(list)

    def refresh(self, info: Mapping[str, object], host: str, now: float, decay: float) -> bool:
        """Cache or refresh an announced PRINTER_INFO_1; True when the printer is new."""
        name = str(info.get("pName") or "")
        key = name.lower()
        entry = self.printers.get(key)
        new = entry is None
        expires = now + decay
        if entry is None:
            entry = self.printers[key] = NetPrinter(
                name, host, "", "", 0, added=now, refreshed=now, expires=expires
            )
            self._count(host, +1)
        entry.description = str(info.get("pDescription") or "")
        entry.comment = str(info.get("pComment") or "")
        entry.flags = int(info.get("Flags") or 0)  # type: ignore[call-overload]
        entry.refreshed, entry.expires = now, expires
        heapq.heappush(self._deadlines, (expires, key))
        return new

    def _count(self, host: str, delta: int) -> None:
        key = host.lower()
        self._per_host[key] = self._per_host.get(key, 0) + delta
        if self.lists_host(key):
            self.visible += delta

    def set_host_type(self, host: str, bits: int) -> None:
        """A host announcement from ``host`` with server-type ``bits``."""
        key = host.lower()
        before = self.lists_host(key)
        self.host_types[key] = bits
        after = self.lists_host(key)
        if before != after:
            self.visible += self._per_host.get(key, 0) * (1 if after else -1)

    def next_expiry(self) -> float:
        """When the earliest entry expires (inf when none)."""
        heap = self._deadlines
        while heap:
            when, key = heap[0]
            entry = self.printers.get(key)
            if entry is not None and entry.expires == when:
                return when
            heapq.heappop(heap)  # refreshed or removed since
        return float("inf")

    def expire(self, now: float) -> list[NetPrinter]:
        """Remove and return every entry whose time is up at ``now``, oldest first."""
        gone = []
        while self.next_expiry() <= now:
            _, key = heapq.heappop(self._deadlines)
            entry = self.printers.pop(key)
            self._count(entry.host, -1)
            gone.append(entry)
        return gone

    def lists_host(self, host: str) -> bool:
        return bool(self.host_types.get(host.lower(), 0) & SvType.PRINTQ_SERVER)

    def listing(self, now: float) -> list[NetPrinter]:
        """What EnumPrinters NETWORK returns at ``now``: live entries of print-server hosts."""
        return sorted(
            (e for e in self.printers.values() if e.expires > now and self.lists_host(e.host)),
            key=lambda e: e.name.lower(),
        )

    def clear(self) -> None:
        self.printers.clear()
        self.host_types.clear()
        self._per_host.clear()
        self._deadlines.clear()
        self.visible = 0


def receive_announcement(server: PrintServer, info: Mapping[str, object], now: float) -> None:
    """``server`` receives one announced PRINTER_INFO_1 (a level-1 AddPrinter) at ``now``."""
    name = str(info.get("pName") or "")
    host = host_of(name)
    if host is None:
        raise SpoolerError(Win32.ERROR_INVALID_PRINTER_NAME, f"announced name {name!r}")
    decay = server.browse_settings.decay
    new = server.browse.refresh(info, host, now, decay)
    kind = "browse.added" if new else "browse.refreshed"
    server.log.add(now, kind, name, host=host, expires=now + decay)
