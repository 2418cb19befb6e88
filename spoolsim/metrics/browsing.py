"""Print-browsing metrics: the browse list, its entries, and the announcements that feed it.

=====================================  =========  ============================================
series                                 type       labels / meaning
=====================================  =========  ============================================
spoolsim_browse_list_size              gauge      server: printers its EnumPrinters NETWORK lists
spoolsim_browse_entries_added          counter    server: network printers that joined its cache
spoolsim_browse_entries_expired        counter    server: entries that decayed out of its cache
spoolsim_browse_entry_age_seconds      gauge      server: age of the oldest listed entry
spoolsim_browse_announcements_sent     counter    server, kind: browser frames and level-1
                                                  AddPrinter calls (kind ``AddPrinter``)
spoolsim_browse_announcements_received counter    server, kind: HostAnnouncements the master
                                                  heard, AddPrinter calls that arrived
spoolsim_browse_announcement_bytes     counter    server, kind: UDP payload of the frames sent
spoolsim_browse_staleness_seconds      histogram  how long a down server's printers stayed listed
                                                  on the master (``stale`` of browse.expired)
spoolsim_browse_appear_seconds         histogram  from a host's start (or a printer's creation)
                                                  to the master first listing the printer
                                                  (``after`` of browse.listed)
spoolsim_browse_master                 gauge      server: 1 on the current master browser
=====================================  =========  ============================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.utils import floatToGoString

from spoolsim.metrics.histogram import Histogram
from spoolsim.model.browsedomain import BrowseDomain, Host

BOUNDS: tuple[float, ...] = (10, 60, 300, 600, 1200, 1800, 2700, 3600, 5400, 7200, 14400)
_LES = (*(floatToGoString(b) for b in BOUNDS), "+Inf")


class BrowseWatch:
    """Counts one machine group's browsing from its hosts' logs."""

    def __init__(self, domain: BrowseDomain) -> None:
        self.domain = domain
        self.sent: dict[tuple[str, str], int] = defaultdict(int)
        self.bytes: dict[tuple[str, str], int] = defaultdict(int)
        self.received: dict[tuple[str, str], int] = defaultdict(int)
        self.added: dict[str, int] = defaultdict(int)
        self.expired: dict[str, int] = defaultdict(int)
        self.staleness = Histogram(BOUNDS)
        self.appear = Histogram(BOUNDS)
        self._listeners: list[tuple[Host, partial]] = []
        for host in domain.hosts.values():
            listener = partial(self._on_event, host)
            host.server.log.listeners.append(listener)
            self._listeners.append((host, listener))

    def detach(self) -> None:
        for host, listener in self._listeners:
            host.server.log.listeners.remove(listener)

    def _on_event(self, host: Host, time: float, kind: str, subject: str, data: dict) -> None:
        name = host.name
        if kind == "browse.sent":
            key = (name, str(data["frame"]))
            self.sent[key] += int(data.get("count", 1))
            self.bytes[key] += int(data.get("bytes", 0))
        elif kind == "browse.round":
            targets = [t for t in str(data.get("targets", "")).split(",") if t]
            self.sent[(name, "AddPrinter")] += int(data.get("printers", 0)) * len(targets)
        elif kind == "browse.heard":
            self.received[(name, "HostAnnouncement")] += 1
        elif kind in ("browse.added", "browse.refreshed"):
            self.received[(name, "AddPrinter")] += 1
            if kind == "browse.added":
                self.added[name] += 1
        elif kind == "browse.listed":
            self.appear.observe(float(data["after"]))
        elif kind == "browse.expired":
            self.expired[name] += 1
            if "stale" in data:
                self.staleness.observe(float(data["stale"]))

    def families(self, now: float) -> Iterator:
        hosts = sorted(self.domain.hosts.values(), key=lambda h: h.key)
        size = GaugeMetricFamily(
            "spoolsim_browse_list_size",
            "Network printers the server's EnumPrinters NETWORK lists",
            labels=["server"],
        )
        age = GaugeMetricFamily(
            "spoolsim_browse_entry_age_seconds",
            "Simulated seconds since the oldest listed network printer was refreshed",
            labels=["server"],
        )
        master = GaugeMetricFamily(
            "spoolsim_browse_master", "1 on the master browser of the group", labels=["server"]
        )
        for h in hosts:
            listing = h.server.browse.listing(now) if h.up else []
            size.add_metric([h.name], len(listing))
            age.add_metric([h.name], max((now - e.refreshed for e in listing), default=0.0))
            master.add_metric([h.name], 1.0 if h is self.domain.master and h.up else 0.0)
        yield from (size, age, master)
        for metric, help_text, table in (
            ("spoolsim_browse_entries_added", "Network printers that joined the cache", self.added),
            ("spoolsim_browse_entries_expired", "Cache entries that decayed", self.expired),
        ):
            family = CounterMetricFamily(metric, help_text, labels=["server"])
            for h in hosts:
                family.add_metric([h.name], table.get(h.name, 0))
            yield family
        for metric, help_text, counts in (
            (
                "spoolsim_browse_announcements_sent",
                "Browser frames and level-1 AddPrinter calls sent",
                self.sent,
            ),
            (
                "spoolsim_browse_announcements_received",
                "Host announcements heard by the master and AddPrinter calls received",
                self.received,
            ),
            (
                "spoolsim_browse_announcement_bytes",
                "UDP payload bytes of the browser frames sent",
                self.bytes,
            ),
        ):
            family = CounterMetricFamily(metric, help_text, labels=["server", "kind"])
            for (server, kind), count in sorted(counts.items()):
                family.add_metric([server, kind], count)
            yield family
        for metric, help_text, hist in (
            (
                "spoolsim_browse_staleness_seconds",
                "How long a down server's printers stayed listed on the master",
                self.staleness,
            ),
            (
                "spoolsim_browse_appear_seconds",
                "From a printer's host start or creation to the master listing it",
                self.appear,
            ),
        ):
            family = HistogramMetricFamily(metric, help_text)
            family.add_metric([], hist.buckets(_LES), hist.total)
            yield family
