"""What print browsing did in a run: convergence, staleness and the traffic it cost.

A :class:`BrowseTally` listens to every server's log (and looks at the browse domain when it must
know who is master and what should be listed). Its figures:

* **convergence**: the first moment the master lists every shared printer of every host that is
  up and announces, and after each change of master the time it took to get there again;
* **staleness**: for each printer of a host that went down, how long the master kept listing it
  (``stale`` of the master's ``browse.expired``, which the browse domain computes);
* **appearance**: for each printer, from its host's start (or the printer's creation, if later)
  to the moment the master first listed it (``after`` of ``browse.listed``);
* **traffic**: browser frames sent, by kind, with their bytes (UDP payload), host announcements
  the master received, and level-1 AddPrinter calls made, received and failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import attrs

from spoolsim.model.browsedomain import BrowseDomain
from spoolsim.scenario.report import Spread

_CHANGES_LISTING = frozenset(
    {"browse.added", "browse.heard", "browse.master", "browse.expired", "host.up", "host.down"}
)


@attrs.frozen
class Refill:
    """A master taking over at ``at``; ``after`` seconds until it listed everything (or None)."""

    master: str
    at: float
    after: float | None


@attrs.frozen
class BrowseReport:
    master: str
    listed: int
    expected: int
    converged_at: float | None
    refills: tuple[Refill, ...]
    staleness: Spread
    appearance: Spread
    sent: Mapping[str, int]
    sent_bytes: Mapping[str, int]
    heard: int
    rounds: int
    announced: int
    received: int
    failed: int
    added: int
    expired: int
    elections: int
    client_browses: int
    client_failures: int
    stale_opens: int
    interval: Mapping[str, float]
    decay: Mapping[str, float]
    stale_by_host: Mapping[str, float]  # a down host -> the longest its printers stayed listed
    calls_by_host: Mapping[str, int]  # level-1 AddPrinter calls each host made
    span: float = 0.0

    @property
    def traffic_bytes(self) -> int:
        return sum(self.sent_bytes.values())


class BrowseTally:
    """Counts print browsing from the servers' logs."""

    def __init__(self, domain: BrowseDomain) -> None:
        self.domain = domain
        self.sent: dict[str, int] = defaultdict(int)
        self.sent_bytes: dict[str, int] = defaultdict(int)
        self.heard = self.rounds = self.announced = self.received = self.failed = 0
        self.added = self.expired = self.elections = 0
        self.browses = self.browse_failures = self.stale_opens = 0
        self.converged_at: float | None = None
        self.refills: list[list] = []  # [master, at, after]
        self.staleness: list[float] = []
        self.stale_by_host: dict[str, float] = {}
        self.calls_by_host: dict[str, int] = defaultdict(int)
        self.appearance: list[float] = []
        for host in domain.hosts.values():
            host.server.log.listeners.append(self._on_event)

    def _on_event(self, time: float, kind: str, subject: str, data: Mapping[str, object]) -> None:
        if kind == "browse.sent":
            frame = str(data["frame"])
            self.sent[frame] += int(data.get("count", 1))  # type: ignore[call-overload]
            self.sent_bytes[frame] += int(data.get("bytes", 0))  # type: ignore[call-overload]
            return
        if not kind.startswith(("browse.", "host.", "client.")):
            return
        if kind == "browse.listed":
            self.appearance.append(float(data["after"]))  # type: ignore[arg-type]
        elif kind == "browse.heard":
            self.heard += 1
        elif kind == "browse.round":
            self.rounds += 1
            targets = [t for t in str(data.get("targets", "")).split(",") if t]
            calls = int(data.get("printers", 0)) * len(targets)  # type: ignore[call-overload]
            self.announced += calls
            self.calls_by_host[subject] += calls
            self.failed += int(data.get("failed", 0))  # type: ignore[call-overload]
        elif kind in ("browse.added", "browse.refreshed"):
            self.received += 1
            self.added += kind == "browse.added"
        elif kind == "browse.expired":
            self.expired += 1
            if "stale" in data:
                stale, owner = float(data["stale"]), str(data["host"])  # type: ignore[arg-type]
                self.staleness.append(stale)
                self.stale_by_host[owner] = max(self.stale_by_host.get(owner, 0.0), stale)
        elif kind == "browse.election":
            self.elections += 1
        elif kind == "browse.master":
            self.refills.append([subject, time, None])
        elif kind == "client.browse":
            self.browses += 1
            self.browse_failures += bool(data.get("status"))
        elif kind == "client.open" and data.get("status"):
            self.stale_opens += 1
        if kind in _CHANGES_LISTING:
            self._check(time)

    def expected(self) -> set[str]:
        out = set()
        for host in self.domain.hosts.values():
            if host.up and host.server.browse_settings.announces:
                out.update(f"\\\\{host.name}\\{n}".lower() for n in host.shared_printers())
        return out

    def _check(self, now: float) -> None:
        master = self.domain.master
        if master is None or not master.up:
            return
        cache = master.server.browse
        if cache.visible < len(self.expected()):
            return
        listed = {e.name.lower() for e in cache.listing(now)}
        if not self.expected() <= listed:
            return
        if self.converged_at is None:
            self.converged_at = now
        if self.refills and self.refills[-1][2] is None and self.refills[-1][0] == master.name:
            self.refills[-1][2] = now - self.refills[-1][1]

    def report(self, now: float) -> BrowseReport:
        master = self.domain.master
        listed = master.server.browse.visible if master is not None and master.up else 0
        hosts = sorted(self.domain.hosts.values(), key=lambda h: h.key)
        return BrowseReport(
            master=master.name if master is not None else "",
            listed=listed,
            expected=len(self.expected()),
            converged_at=self.converged_at,
            refills=tuple(Refill(m, at, after) for m, at, after in self.refills),
            staleness=Spread.of(self.staleness),
            appearance=Spread.of(self.appearance),
            sent=dict(sorted(self.sent.items())),
            sent_bytes=dict(sorted(self.sent_bytes.items())),
            heard=self.heard,
            rounds=self.rounds,
            announced=self.announced,
            received=self.received,
            failed=self.failed,
            added=self.added,
            expired=self.expired,
            elections=self.elections,
            client_browses=self.browses,
            client_failures=self.browse_failures,
            stale_opens=self.stale_opens,
            interval={h.name: h.server.browse_settings.interval for h in hosts},
            decay={h.name: h.server.browse_settings.decay for h in hosts},
            stale_by_host=dict(sorted(self.stale_by_host.items())),
            calls_by_host={h.name: self.calls_by_host.get(h.name, 0) for h in hosts},
            span=now,
        )


def summary(b: BrowseReport) -> list[str]:
    """The summary's print-browsing lines."""
    converged = f"{b.converged_at:,.0f} s" if b.converged_at is not None else "never"
    lines = [
        f"browsing: master {b.master or 'none'}, listing {b.listed} of {b.expected} shared"
        f" printers; all listed first at {converged}; {b.elections} election(s)"
    ]
    for r in b.refills[1:]:
        after = f"{r.after:,.0f} s" if r.after is not None else "not in this run"
        lines.append(f"  master {r.master} from {r.at:,.0f} s: refilled after {after}")
    if b.staleness.count:
        s = b.staleness
        lines.append(
            f"  staleness of a dead server's printers (s): p50 {s.p50:,.0f}  mean {s.mean:,.0f}"
            f"  max {s.max:,.0f}  ({s.count} entries)"
        )
    if b.appearance.count:
        a = b.appearance
        lines.append(f"  time to appear (s): p50 {a.p50:,.0f}  p95 {a.p95:,.0f}  max {a.max:,.0f}")
    frames = ", ".join(f"{k} {n:,} ({b.sent_bytes[k]:,} B)" for k, n in b.sent.items())
    lines.append(f"  datagrams: {frames}; {b.traffic_bytes:,} bytes")
    lines.append(
        f"  rounds {b.rounds:,}; AddPrinter level 1: {b.announced:,} sent, {b.received:,}"
        f" received, {b.failed:,} failed; entries added {b.added:,}, expired {b.expired:,}"
    )
    if b.client_browses:
        lines.append(
            f"  clients: {b.client_browses:,} browses ({b.client_failures:,} failed),"
            f" {b.stale_opens:,} opens of a printer whose server was gone"
        )
    # Entries live by the decay of the cache that holds them: the master's.
    held = b.decay.get(b.master, 0.0)
    rules = sorted({(b.interval[n], b.decay[n]) for n in b.interval})
    for interval, own_decay in rules:
        names = [n for n in b.interval if (b.interval[n], b.decay[n]) == (interval, own_decay)]
        decay = held or own_decay
        who = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        lines.append(
            f"  rule: rounds every {interval:,.0f} s, master's decay {decay:,.0f} s"
            f" -> a crashed server's printers listed {max(decay - interval, 0):,.0f}"
            f"-{decay:,.0f} s more ({who})"
        )
        calls = sum(b.calls_by_host.get(n, 0) for n in names)
        stale = [b.stale_by_host[n] for n in names if n in b.stale_by_host]
        hours = b.span / 3600 if b.span > 0 else 1.0
        measured = f"; measured staleness {max(stale):,.0f} s" if stale else ""
        lines.append(f"    AddPrinter calls {calls:,} ({calls / hours:,.1f}/h){measured}")
    return lines
