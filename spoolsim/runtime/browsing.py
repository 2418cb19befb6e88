"""Print browsing on the deadline loop: the browse domain's timers, rounds over the method surface.

The pure :class:`~spoolsim.model.browsedomain.BrowseDomain` holds every browsing timer; this
service keeps one loop callback armed at its next deadline, tells it what changed on the servers
(a printer added or shared, a browse value set), routes each round's announcements through the
receiving server's MS-PAR surface (RpcAsyncAddPrinter at level 1, as the sending server's machine
account) and sizes every browser frame with the datagram codec, so traffic is counted in the bytes
a network would carry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import partial

from spoolsim.model.browsedomain import BrowseDomain, Host
from spoolsim.model.constants import Win32
from spoolsim.model.printbrowse import BROWSE_VALUES
from spoolsim.model.security import Principal, machine_account
from spoolsim.rpc import Container, Surface
from spoolsim.rpc.core import Session
from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.wire import browser as frames

# Events after which a host's set of shared printers may have grown.
_PRINTER_KINDS = frozenset({"printer.added", "printer.set", "printer.renamed"})


class BrowseService:
    """Drives ``domain`` from ``loop``; ``surfaces`` maps a host name (lower) to its surface."""

    def __init__(
        self, domain: BrowseDomain, loop: DeadlineLoop, surfaces: Mapping[str, Surface]
    ) -> None:
        self.domain = domain
        self.loop = loop
        self._surfaces = dict(surfaces)
        self._sessions: dict[tuple[str, str], Session] = {}
        self._armed: set[float] = set()
        domain.deliver = self._deliver
        domain.datagram_size = partial(datagram_size, group=domain.group)
        for host in domain.hosts.values():
            host.server.log.listeners.append(partial(self._on_event, host))

    def close(self) -> None:
        for host in self.domain.hosts.values():
            host.server.log.listeners[:] = [
                f
                for f in host.server.log.listeners
                if not (isinstance(f, partial) and f.func == self._on_event)
            ]

    def wake(self) -> None:
        """Arm the loop at the domain's next deadline (after anything changed it)."""
        when = self.domain.next_due()
        if when < math.inf and when not in self._armed:
            self._armed.add(when)
            self.loop.call_at(when, self._tick, priority=1)

    def _tick(self, now: float) -> None:
        self._armed.discard(now)
        self.domain.run_due(now)
        self.wake()

    def start(self, host: Host, now: float) -> None:
        self.domain.start(host, now)
        self.wake()

    def stop(self, host: Host, now: float, *, clean: bool = False) -> None:
        self.domain.stop(host, now, clean=clean)
        self.wake()

    def _on_event(self, host: Host, time: float, kind: str, subject: str, data: object) -> None:
        if kind in _PRINTER_KINDS:
            self.loop.call_at(time, partial(self._changed, host, "printers"), priority=1)
        elif kind == "server.set" and isinstance(data, dict) and data.get("key") in BROWSE_VALUES:
            self.loop.call_at(time, partial(self._changed, host, "settings"), priority=1)

    def _changed(self, host: Host, what: str, now: float) -> None:
        if what == "printers":
            self.domain.printers_changed(host, now)
        else:
            self.domain.settings_changed(host, now)
        self.wake()

    def _deliver(
        self, sender: Host, target: Host, infos: list[dict[str, object]], now: float
    ) -> list[int]:
        """One level-1 RpcAsyncAddPrinter per printer on the target's surface."""
        surface = self._surfaces.get(target.key)
        if not target.up or surface is None:
            return [Win32.RPC_S_SERVER_UNAVAILABLE] * len(infos)
        session = self._session(surface, sender, target)
        server_name = f"\\\\{target.name}"
        return [
            surface.invoke(
                session, "RpcAsyncAddPrinter", server_name, Container(1, info), None, None
            ).status
            for info in infos
        ]

    def _session(self, surface: Surface, sender: Host, target: Host) -> Session:
        key = (sender.key, target.key)
        session = self._sessions.get(key)
        if session is None:
            principal: Principal = machine_account(sender.name)
            session = self._sessions[key] = surface.open_session(principal)
        return session


def datagram_size(
    frame: str, host: Host, fields: Mapping[str, object], *, group: str = "SPOOLSIM"
) -> int:
    """The UDP payload of one browser frame from ``host`` (NetBIOS datagram, SMB mailslot)."""
    message = _frame(frame, host, fields)
    return len(frames.encode_datagram(message, **_addressing(frame, host, fields, group)))


_NETBIOS_NAME = 15  # characters of a NetBIOS name


def _frame(kind: str, host: Host, fields: Mapping[str, object]) -> frames.Frame:
    name = host.name[:_NETBIOS_NAME]
    if kind in ("HostAnnouncement", "LocalMasterAnnouncement"):
        cls = (
            frames.HostAnnouncement
            if kind == "HostAnnouncement"
            else frames.LocalMasterAnnouncement
        )
        major, minor, _ = host.server.os_version
        return cls(
            server_name=name,
            periodicity=int(fields.get("periodicity", 12 * 60_000)),  # type: ignore[call-overload]
            server_type=int(fields.get("type", host.server_type())),  # type: ignore[call-overload]
            os_version_major=major,
            os_version_minor=minor,
        )
    if kind == "RequestElection":
        return frames.RequestElection(
            server_name=name,
            criteria=int(fields.get("criteria", 0)),  # type: ignore[call-overload]
            uptime=0,
            version=int(fields.get("version", frames.ELECTION_VERSION)),  # type: ignore[call-overload]
        )
    if kind == "AnnouncementRequest":
        return frames.AnnouncementRequest(response_name=name)
    if kind == "BecomeBackup":
        return frames.BecomeBackup(browser_to_promote=str(fields.get("to", ""))[:_NETBIOS_NAME])
    raise ValueError(f"no browser frame {kind!r}")


# Where each frame goes (MS-BRWS 2.2): the group's name with a suffix, unique or group.
_ADDRESSING = {
    "HostAnnouncement": (frames.SUFFIX_MASTER_BROWSER, False),
    "LocalMasterAnnouncement": (frames.SUFFIX_BROWSER_ELECTION, True),
    "RequestElection": (frames.SUFFIX_BROWSER_ELECTION, True),
    "AnnouncementRequest": (frames.SUFFIX_WORKSTATION, True),
}


def _addressing(kind: str, host: Host, fields: Mapping[str, object], group: str) -> dict:
    if kind == "BecomeBackup":
        destination, suffix, is_group = str(fields.get("to", "")), frames.SUFFIX_WORKSTATION, False
    else:
        destination = group
        suffix, is_group = _ADDRESSING[kind]
    return {
        "source": host.name[:_NETBIOS_NAME],
        "destination": destination[:_NETBIOS_NAME],
        "dest_suffix": suffix,
        "group": is_group,
    }
