"""The browse domain: hosts, their browser roles and timers, and the print servers' rounds.

Theory of operation
-------------------
One :class:`BrowseDomain` holds every host of a machine group (each a :class:`PrintServer`) and
every timer of print browsing as data in one heap; the runtime sleeps until :meth:`next_due` and
calls :meth:`run_due`. Nothing here sends bytes: a frame "sent" is an event with its kind and size
(``datagram_size``, which the runtime takes from ``spoolsim.wire.browser``), and a printer round
is handed to ``deliver``, which the runtime routes through the receiving server's MS-PAR surface.
Numbers are [MS-BRWS] v27.0's unless said otherwise (section numbers inline).

* **Host announcements** (3.2.6): a host that is up sends a HostAnnouncement to the local master
  1, 1, 2, 4 and 8 minutes apart, then every 12 minutes. The master keeps each host's server-type
  bits; a host with shared printers sets SV_TYPE_PRINTQ_SERVER. A host that stops cleanly first
  announces type 0 (3.2.7); one that crashes says nothing.
* **Election** (3.3.5.8, 3.3.6): candidates are hosts that are up and may browse (MaintainServerList
  not "no"). The winner has the highest Criteria (OS byte, browser version 15.1, role bits: PDC
  0x80, WINS 0x20, preferred 0x08, running master 0x04, DC 0x02, running backup 0x01), then the
  longest uptime, then the alphabetically lowest name. Each candidate that would beat the frames it
  has heard answers after its role's delay (master 100 ms, backup 200-600 ms, other 800-3000 ms,
  drawn from the domain's seeded stream), and the winner sends three more frames a second apart:
  the election ends four transmissions after the winner's first. An election is forced by a
  browser that finds no master at boot (three FindMaster expiries, 4.5 s, <49>), by a preferred
  master or PDC at boot (3.3.3), by a master stopping cleanly (3.3.7), by a backup whose list
  refresh failed twice (3.3.6), and by a client whose GetBackupList went unanswered (3.1.6).
* **A new master** (3.3.6) starts its network-printer cache empty and refills it from the print
  servers' rounds. A backup that is promoted keeps the server list it last copied; any other new
  master asks every host to announce (AnnouncementRequest) and each answers within a uniform
  0-30 s (3.2.5.1). It then keeps 1 backup per 32 hosts it knows (none alone, <51>), promoting
  the best potential browsers with BecomeBackup; a backup copies the master's list at once and every
  12 minutes (NetServerEnum2 timer, 3.3.2).
* **Server thread** (``printbrowse``): a host with DisableServerThread = 0 runs a round
  ``first_round`` seconds after it starts and then every :attr:`BrowseSettings.interval`, sending
  one level-1 AddPrinter per shared printer to the master and each backup (to itself locally when
  it is one). A printer shared later is announced at once (KB Q227908: names are re-announced when
  a share is created). Settings are read at each round, so a change takes effect from the next one
  (Windows Server 2003 documentation says the spooler must restart; the round is our granularity).
* **Cache expiry** is exact (``printbrowse``): the earliest expiry of any cache is a deadline here.
* **Figures in the log**, so the report and the metrics share one definition: the master's
  ``browse.expired`` of a down host's printer carries ``stale`` (seconds since its host went down),
  and ``browse.listed`` marks a printer's first listing on a master with ``after`` (seconds since
  its host started, or since the printer was created if later).

Ties: timers run in ``(time, sequence)`` order; a host's timers belong to one *life* (bumped at
every start and stop), so a timer of an earlier life is dropped when it comes up.
"""

from __future__ import annotations

import enum
import heapq
import itertools
import math
import random
from collections.abc import Callable, Mapping

import attrs

from spoolsim.model.constants import SvType, Win32
from spoolsim.model.printbrowse import announcement, receive_announcement
from spoolsim.model.server import PrintServer

MINUTE = 60.0
HOST_ANNOUNCE_STEPS = (1, 1, 2, 4, 8)  # minutes after announcement 0, 1, 2, ... (3.2.6)
HOST_ANNOUNCE_STEADY = 12  # minutes, after the fifth
MASTER_ANNOUNCE_STEPS = (2, 2, 4, 8)  # LocalMasterAnnouncement (3.3.6)
BACKUP_REFRESH = 12 * MINUTE  # NetServerEnum2 timer (3.3.2)
BACKUP_FAILURES = 2  # failed refreshes in a row before a backup forces an election (3.3.6)
FIND_MASTER = 4.5  # three FindMaster expiries of 1.5 s (3.3.2, <49>)
CLIENT_FIND_MASTER = 3.0  # a client's three GetBackupList tries a second apart (3.1.6)
ANNOUNCE_REPLY_WINDOW = 30.0  # AnnouncementRequest answers, uniform in [0, 30] s (3.2.5.1)
ELECTION_RESEND = 1.0  # seconds between a winning candidate's transmissions (3.3.6)
ELECTION_ROUNDS = 4
BACKUPS_PER_HOSTS = 32  # <51>, <52>
MAX_BACKUPS = 3
DEFAULT_FIRST_ROUND = 60.0  # seconds from start to a server thread's first round (our choice)

# Criteria (2.2.3): OS byte, browser version 15.1, role bits.
OS_WORKSTATION, OS_SERVER = 0x10, 0x20
BROWSER_VERSION = 0x010F
ROLE_PDC, ROLE_WINS, ROLE_PREFERRED, ROLE_MASTER, ROLE_DC, ROLE_BACKUP = (
    0x80,
    0x20,
    0x08,
    0x04,
    0x02,
    0x01,
)
ERROR_NO_BROWSER_SERVERS_FOUND = 6118  # MS-ERREF: what a browse gets when no master answers


class Role(enum.Enum):
    NONE = "none"  # MaintainServerList = No: never a browser
    POTENTIAL = "potential"
    BACKUP = "backup"
    MASTER = "master"


@attrs.define(eq=False)
class Host:
    """One machine of the group: a print server and its browser service.

    ``os_server``: a server SKU (OS byte 0x20) rather than a workstation (0x10). ``pdc``: the
    domain's primary DC (role bits PDC, preferred, DC). ``maintain_server_list``: ``auto``,
    ``yes`` or ``no`` (``no`` never browses). ``preferred``: IsDomainMaster set.
    """

    server: PrintServer
    os_server: bool = True
    pdc: bool = False
    maintain_server_list: str = "auto"
    preferred: bool = False
    wins: bool = False
    up: bool = False
    up_since: float = 0.0
    down_since: float | None = None
    role: Role = Role.NONE
    life: int = 0
    announcements: int = 0
    master_announcements: int = 0
    refresh_failures: int = 0
    last_round: float = -math.inf
    round_due: float = math.inf  # the one round timer that counts (settings may move it)
    master_due: float = math.inf  # the one LocalMasterAnnouncement timer that counts
    announced: set[str] = attrs.Factory(set)  # shared printers this life's rounds covered

    @property
    def name(self) -> str:
        return self.server.name

    @property
    def key(self) -> str:
        return self.server.name.lower()

    @property
    def may_browse(self) -> bool:
        return self.maintain_server_list != "no"

    def shared_printers(self) -> list[str]:
        return sorted(
            (p.name for p in self.server.printers.values() if p.shared and not p.pending_deletion),
            key=str.lower,
        )

    def server_type(self) -> int:
        bits = SvType.WORKSTATION | SvType.SERVER | SvType.NT
        if self.os_server and not self.pdc:
            bits |= SvType.SERVER_NT
        if self.pdc:
            bits |= SvType.DOMAIN_CTRL
        if self.shared_printers():
            bits |= SvType.PRINTQ_SERVER
        if self.may_browse:
            bits |= SvType.POTENTIAL_BROWSER
        if self.role is Role.BACKUP:
            bits |= SvType.BACKUP_BROWSER
        if self.role is Role.MASTER:
            bits |= SvType.MASTER_BROWSER
        return int(bits)

    def criteria(self) -> int:
        role = 0
        if self.pdc:
            role |= ROLE_PDC | ROLE_PREFERRED | ROLE_DC
        if self.preferred:
            role |= ROLE_PREFERRED
        if self.wins:
            role |= ROLE_WINS
        if self.role is Role.MASTER:
            role |= ROLE_MASTER
        if self.role is Role.BACKUP:
            role |= ROLE_BACKUP
        os_byte = OS_SERVER if self.os_server else OS_WORKSTATION
        return os_byte << 24 | BROWSER_VERSION << 8 | role

    def rank(self, now: float) -> tuple[int, float, tuple[int, ...]]:
        """Larger wins: criteria, then uptime, then the alphabetically lower name."""
        # Negated characters and a 0 end mark: "PS1" ranks above "PS10", as it sorts first.
        return self.criteria(), now - self.up_since, (*(-ord(c) for c in self.key), 0)


def backups_wanted(hosts_known: int) -> int:
    """How many backups a master keeps for the hosts in its server list (<51>)."""
    if hosts_known <= 1:
        return 0
    return min(MAX_BACKUPS, 1 + hosts_known // BACKUPS_PER_HOSTS)


def _no_size(frame: str, sender: Host, fields: Mapping[str, object]) -> int:
    return 0


Deliver = Callable[["Host", "Host", list[dict[str, object]], float], list[int]]


def deliver_locally(
    sender: Host, target: Host, infos: list[dict[str, object]], now: float
) -> list[int]:
    """The model-only delivery of a round: straight into the target's cache."""
    if not target.up:
        return [Win32.RPC_S_SERVER_UNAVAILABLE] * len(infos)
    for info in infos:
        receive_announcement(target.server, info, now)
    return [0] * len(infos)


@attrs.define
class BrowseDomain:
    """The machine group's hosts and the timers of print browsing.

    Args:
        group: the machine group (domain) name.
        seed: seeds the stream for election delays and announcement answers.
        first_round: seconds from a host's start to its server thread's first round.
        deliver: carries a round's PRINTER_INFO_1s from a host to a target; returns a status
            per printer (the runtime calls RpcAsyncAddPrinter on the target's surface).
        datagram_size: the bytes a browser frame costs on the wire (UDP payload).
    """

    group: str = "SPOOLSIM"
    seed: int = 0
    first_round: float = DEFAULT_FIRST_ROUND
    deliver: Deliver = deliver_locally
    datagram_size: Callable[[str, Host, Mapping[str, object]], int] = _no_size
    hosts: dict[str, Host] = attrs.Factory(dict)
    master: Host | None = None
    backups: list[Host] = attrs.Factory(list)
    election_ends: float | None = None
    _pending: Host | None = None  # the election's winner-to-be
    _election_frames: list[tuple[Host, int]] = attrs.Factory(list)
    _appeared: set[str] = attrs.Factory(set)  # printers (UNC, lower) the master has listed
    _timers: list[tuple[float, int, str, str, int]] = attrs.Factory(list)
    _seq: itertools.count[int] = attrs.Factory(itertools.count)
    _rng: random.Random = attrs.field(init=False)
    _elections: int = 0

    def __attrs_post_init__(self) -> None:
        self._rng = random.Random(f"{self.seed}:browse:{self.group}")

    # -- hosts -------------------------------------------------------------------------------------

    def add_host(self, server: PrintServer, **options: object) -> Host:
        host = Host(server, **options)  # type: ignore[arg-type]
        if host.key in self.hosts:
            raise ValueError(f"host {server.name!r} is already in the group")
        self.hosts[host.key] = host
        return host

    def host(self, name: str) -> Host:
        return self.hosts[name.lower()]

    def start(self, host: Host, now: float) -> None:
        """The host boots (or comes back): its browser and server thread start afresh."""
        if host.up:
            return
        host.up, host.up_since, host.life = True, now, host.life + 1
        host.down_since = None
        host.role = Role.POTENTIAL if host.may_browse else Role.NONE
        host.announcements = host.refresh_failures = 0
        host.announced.clear()
        host.last_round = -math.inf
        host.round_due = host.master_due = math.inf
        host.server.browse.clear()
        # A reboot ends whatever browser role the host had; the others learn it by the protocol.
        if host in self.backups:
            self.backups.remove(host)
        if host is self.master:
            self.master = None
        self._log(host, now, "host.up", host.name, type=host.server_type())
        self._at(now + HOST_ANNOUNCE_STEPS[0] * MINUTE, "announce", host)
        if host.server.browse_settings.announces:
            self._schedule_round(host, now + self.first_round)
        if not host.may_browse:
            return
        if host.pdc or host.preferred:
            self.elect(host, now)
        elif not self._master_up():
            self._at(now + FIND_MASTER, "find_master", host)

    def stop(self, host: Host, now: float, *, clean: bool = False) -> None:
        """The host goes down: a crash says nothing; a clean stop announces type 0 first and, if
        it was the master, forces an election (3.2.7, 3.3.7)."""
        if not host.up:
            return
        if clean:
            self._send(host, now, "HostAnnouncement", type=0)
            self._heard(host, 0, now)
        was_master = host.role is Role.MASTER
        host.up, host.life, host.down_since = False, host.life + 1, now
        self._log(host, now, "host.down", host.name, clean=clean)
        if host in self.backups and clean:
            self.backups.remove(host)
        if was_master and clean:
            self.master = None
            self._send(host, now, "RequestElection", version=0)
            survivor = next((h for h in self._candidates()), None)
            if survivor is not None:
                self.elect(survivor, now)

    # -- what changes from outside ----------------------------------------------------------------

    def printers_changed(self, host: Host, now: float) -> None:
        """A printer was added, shared or changed: announce the shared ones not yet announced."""
        if not host.up or not host.server.browse_settings.announces:
            return
        if host.last_round == -math.inf:
            return  # the first round is still to come
        new = [n for n in host.shared_printers() if n.lower() not in host.announced]
        if new:
            self._round(host, now, only=new)

    def settings_changed(self, host: Host, now: float) -> None:
        """A browse value changed on ``host``: the next round follows the new settings."""
        if not host.up:
            return
        settings = host.server.browse_settings
        self._log(
            host,
            now,
            "browse.settings",
            host.name,
            interval=settings.interval,
            decay=settings.decay,
            announces=settings.announces,
        )
        if not settings.announces:
            host.round_due = math.inf
        elif host.last_round == -math.inf:
            self._schedule_round(host, min(host.round_due, now + self.first_round))
        else:
            self._schedule_round(host, max(now, host.last_round + settings.interval))

    def browse_master(self, now: float) -> tuple[int, Host | None]:
        """Which host a client's browse goes to: the master, or an error status. A client that
        gets no answer forces an election (3.1.6) and reports ERROR_NO_BROWSER_SERVERS_FOUND."""
        if self._master_up():
            return 0, self.master
        if self.election_ends is None:
            candidates = list(self._candidates())
            if candidates:
                self._at(now + CLIENT_FIND_MASTER, "client_elect", candidates[0])
        return ERROR_NO_BROWSER_SERVERS_FOUND, None

    # -- the timers --------------------------------------------------------------------------------

    def next_due(self) -> float:
        timers = self._timers
        while timers and not self._live(timers[0]):
            heapq.heappop(timers)
        due = timers[0][0] if timers else math.inf
        for host in self._caching():
            due = min(due, host.server.browse.next_expiry())
        return due

    def run_due(self, now: float) -> None:
        """Run every timer due at or before ``now``, and expire what has decayed."""
        while True:
            while self._timers and self._timers[0][0] <= now:
                entry = heapq.heappop(self._timers)
                if self._live(entry):
                    self._fire(entry)
            expired = False
            for host in self._caching():
                expired |= self._expire(host, now)
            if not (self._timers and self._timers[0][0] <= now) and not expired:
                return

    def _fire(self, entry: tuple[float, int, str, str, int]) -> None:
        when, _, kind, key, _ = entry
        if kind == "elected":
            self._elected(when)
            return
        host = self.hosts[key]
        if kind == "announce":
            self._announce(host, when)
        elif kind == "reply":
            self._send(host, when, "HostAnnouncement", type=host.server_type())
            self._heard(host, host.server_type(), when)
        elif kind == "round" and when == host.round_due:
            self._round(host, when)
        elif kind == "master_announce" and when == host.master_due:
            self._master_announce(host, when)
        elif kind == "refresh":
            self._refresh(host, when)
        elif kind in ("find_master", "client_elect"):
            if not self._master_up():
                self.elect(host, when)

    def _at(self, when: float, kind: str, host: Host) -> None:
        heapq.heappush(self._timers, (when, next(self._seq), kind, host.key, host.life))

    def _schedule_round(self, host: Host, when: float) -> None:
        host.round_due = when
        self._at(when, "round", host)

    def _live(self, entry: tuple[float, int, str, str, int]) -> bool:
        _, _, kind, key, life = entry
        if kind == "elected":
            return life == self._elections
        host = self.hosts[key]
        return host.up and host.life == life

    def _caching(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.up and h.server.browse.printers]

    # -- host announcements ------------------------------------------------------------------------

    def _announce(self, host: Host, now: float) -> None:
        kind = host.server_type()
        n = host.announcements
        step = HOST_ANNOUNCE_STEPS[n + 1] if n + 1 < len(HOST_ANNOUNCE_STEPS) else None
        period = (step or HOST_ANNOUNCE_STEADY) * MINUTE
        self._send(host, now, "HostAnnouncement", type=kind, periodicity=int(period * 1000))
        self._heard(host, kind, now)
        host.announcements += 1
        self._at(now + period, "announce", host)

    def _heard(self, host: Host, kind: int, now: float) -> None:
        """The master (if up) receives a HostAnnouncement from ``host``."""
        master = self.master
        if master is None or not master.up:
            return
        cache = master.server.browse
        changed = cache.host_types.get(host.key) != kind
        cache.set_host_type(host.key, kind)
        self._log(master, now, "browse.heard", host.name, type=kind, changed=changed)
        self._note_listed(host, now)
        self._keep_backups(master, now)

    def _master_announce(self, master: Host, now: float) -> None:
        n = master.master_announcements
        self._send(master, now, "LocalMasterAnnouncement", type=master.server_type())
        master.master_announcements += 1
        steps = MASTER_ANNOUNCE_STEPS
        minutes = steps[n + 1] if n + 1 < len(steps) else HOST_ANNOUNCE_STEADY
        self._schedule_master_announce(master, now + minutes * MINUTE)

    def _schedule_master_announce(self, master: Host, when: float) -> None:
        master.master_due = when
        self._at(when, "master_announce", master)

    # -- elections ---------------------------------------------------------------------------------

    def _candidates(self) -> list[Host]:
        return [h for h in self.hosts.values() if h.up and h.may_browse]

    def _master_up(self) -> bool:
        return self.master is not None and self.master.up and self.election_ends is None

    def elect(self, trigger: Host, now: float) -> None:
        """``trigger`` forces an election; it ends with a master (or none when nobody may)."""
        if self.election_ends is not None:
            return
        candidates = self._candidates()
        self._send(trigger, now, "RequestElection", criteria=trigger.criteria())
        if not candidates:
            self._log(trigger, now, "browse.election", trigger.name, winner="", frames=1)
            return
        winner = max(candidates, key=lambda h: h.rank(now))
        delays = {h.key: self._delay(h) for h in candidates}
        # A candidate answers after its role's delay unless a better frame went out first; a
        # loser that answered resends a second apart until the winner's first frame reaches it.
        first = delays[winner.key]
        best = trigger.rank(now)
        self._election_frames = []
        for h in sorted(candidates, key=lambda h: (delays[h.key], h.key)):
            if h is winner:
                self._election_frames.append((h, ELECTION_ROUNDS))
            elif h.rank(now) > best and delays[h.key] < first:
                resends = int((first - delays[h.key]) // ELECTION_RESEND)
                self._election_frames.append((h, min(1 + resends, ELECTION_ROUNDS)))
            else:
                continue
            best = max(best, h.rank(now))
        ends = now + first + (ELECTION_ROUNDS - 1) * ELECTION_RESEND
        self._elections += 1
        self.election_ends, self._pending = ends, winner
        frames = 1 + sum(n for _, n in self._election_frames)
        self._log(
            trigger,
            now,
            "browse.election",
            trigger.name,
            winner=winner.name,
            candidates=len(candidates),
            frames=frames,
            ends=ends,
        )
        heapq.heappush(self._timers, (ends, next(self._seq), "elected", "", self._elections))

    def _delay(self, host: Host) -> float:
        if host.role is Role.MASTER:
            return 0.1
        if host.role is Role.BACKUP:
            return self._rng.uniform(0.2, 0.6)
        return self._rng.uniform(0.8, 3.0)

    def _elected(self, now: float) -> None:
        self.election_ends = None
        winner = self._pending
        assert winner is not None
        for host, count in self._election_frames:
            if host.up:
                self._send(host, now, "RequestElection", count=count, criteria=host.criteria())
        if not winner.up:  # it died during the election: run another
            survivors = self._candidates()
            if survivors:
                self.elect(survivors[0], now)
            return
        previous = self.master
        if previous is not None and previous is not winner and previous.up:
            previous.role = Role.POTENTIAL
            previous.master_due = math.inf
            previous.server.browse.clear()
        was_master = previous is winner and winner.role is Role.MASTER
        was_backup = winner.role is Role.BACKUP
        self.master = winner
        winner.role = Role.MASTER
        self.backups = [h for h in self.backups if h is not winner and h.up]
        cache = winner.server.browse
        kept = dict(cache.host_types) if was_backup or was_master else {}
        if not was_master:  # a master re-elected keeps its list; a new one starts empty
            cache.clear()
            for key, kind in kept.items():
                cache.set_host_type(key, kind)
        cache.set_host_type(winner.key, winner.server_type())
        self._log(
            winner,
            now,
            "browse.master",
            winner.name,
            previous=previous.name if previous is not None else "",
            kept_hosts=len(kept),
        )
        if not was_master:
            winner.master_announcements = 0
            self._schedule_master_announce(winner, now + MASTER_ANNOUNCE_STEPS[0] * MINUTE)
        if not kept:
            self._send(winner, now, "AnnouncementRequest")
            for h in sorted(self.hosts.values(), key=lambda h: h.key):
                if h.up and h is not winner:
                    self._at(now + self._rng.uniform(0, ANNOUNCE_REPLY_WINDOW), "reply", h)
        self._keep_backups(winner, now)

    # -- backups -----------------------------------------------------------------------------------

    def _keep_backups(self, master: Host, now: float) -> None:
        if master is not self.master or not master.up:
            return
        live = [b for b in self.backups if b.up and b.role is Role.BACKUP]
        wanted = backups_wanted(len(master.server.browse.host_types))
        if len(live) >= wanted:
            return
        known = set(master.server.browse.host_types)
        pool = [
            h
            for h in self._candidates()
            if h.key in known and h.role is Role.POTENTIAL and h not in self.backups
        ]
        for h in sorted(pool, key=lambda h: h.rank(now), reverse=True)[: wanted - len(live)]:
            self._send(master, now, "BecomeBackup", to=h.name)
            h.role = Role.BACKUP
            h.refresh_failures = 0
            self.backups.append(h)
            self._log(h, now, "browse.backup", h.name, master=master.name)
            self._refresh(h, now)
            self._send(h, now, "HostAnnouncement", type=h.server_type())
            self._heard(h, h.server_type(), now)

    def _refresh(self, backup: Host, now: float) -> None:
        if backup.role is not Role.BACKUP:
            return
        master = self.master
        if master is not None and master.up and master is not backup:
            backup.refresh_failures = 0
            cache = backup.server.browse
            for key, kind in master.server.browse.host_types.items():
                cache.set_host_type(key, kind)
        else:
            backup.refresh_failures += 1
            self._log(
                backup, now, "browse.master_lost", backup.name, failures=backup.refresh_failures
            )
            if backup.refresh_failures >= BACKUP_FAILURES:
                self.elect(backup, now)
        self._at(now + BACKUP_REFRESH, "refresh", backup)

    # -- the server thread -------------------------------------------------------------------------

    def targets(self) -> list[Host]:
        """Where a round goes: the master hosts believe in, then the backups."""
        out = [self.master] if self.master is not None else []
        return out + [b for b in self.backups if b not in out]

    def _round(self, host: Host, now: float, only: list[str] | None = None) -> None:
        settings = host.server.browse_settings
        if not settings.announces:
            return
        names = only if only is not None else host.shared_printers()
        if only is None:
            host.last_round = now
            self._schedule_round(host, now + settings.interval)
        printers = [host.server.printers[n.lower()] for n in names]
        infos = [announcement(host.name, p) for p in printers]
        failed, sent_to = 0, []
        for target in self.targets():
            statuses = self.deliver(host, target, infos, now) if infos else []
            failed += sum(1 for s in statuses if s)
            sent_to.append(target.name)
            if target is self.master:
                self._note_listed(host, now)
        host.announced.update(n.lower() for n in names)
        self._log(
            host,
            now,
            "browse.round",
            host.name,
            printers=len(infos),
            targets=",".join(sent_to),
            failed=failed,
            partial=only is not None,
        )

    def _note_listed(self, host: Host, now: float) -> None:
        """Log ``browse.listed`` for printers of ``host`` the master lists for the first time in
        the run, with ``after``: seconds since the printer could first have been announced (its
        host's start, or its creation if later)."""
        master = self.master
        if master is None or not master.up or not master.server.browse.lists_host(host.key):
            return
        cached = master.server.browse.printers
        for name in host.shared_printers():
            printer = host.server.printers[name.lower()]
            key = str(announcement(host.name, printer)["pName"]).lower()
            if key in self._appeared or key not in cached or cached[key].expires <= now:
                continue
            self._appeared.add(key)
            since = max(host.up_since, printer.created)
            self._log(master, now, "browse.listed", cached[key].name, after=now - since)

    # -- expiry ------------------------------------------------------------------------------------

    def _expire(self, host: Host, now: float) -> bool:
        gone = host.server.browse.expire(now)
        for entry in gone:
            owner = self.hosts.get(entry.host.lower())
            facts: dict[str, object] = {"host": entry.host, "age": now - entry.refreshed}
            if host is self.master and owner is not None and owner.down_since is not None:
                facts["stale"] = now - owner.down_since  # listed this long after its host died
            self._log(host, now, "browse.expired", entry.name, **facts)
        return bool(gone)

    # -- events ------------------------------------------------------------------------------------

    def _send(self, host: Host, now: float, frame: str, count: int = 1, **fields: object) -> None:
        """``count`` frames of one kind from ``host``, logged with their bytes on the wire."""
        size = self.datagram_size(frame, host, fields)
        self._log(host, now, "browse.sent", host.name, frame=frame, count=count, bytes=size * count)

    @staticmethod
    def _log(where: Host, now: float, kind: str, subject: str, **data: object) -> None:
        where.server.log.add(now, kind, subject, **data)
