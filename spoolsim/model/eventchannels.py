"""Windows event channels: the ``Microsoft-Windows-PrintService`` Admin and Operational logs.

Theory of operation
-------------------
Windows writes print-service events not to the simulator's own event log but to named event
channels, and administrators read them with Event Viewer or ``wevtutil``. Some of what the
spooler does is only visible there: the branch office job log (MS-RPRN 3.1.4.13.1,
``RpcLogJobInfoForBranchOffice``) exists to create such channel entries on the server.
:class:`EventChannels` models that destination.

Each channel keeps its records in arrival order in a bounded ring. Windows bounds a channel by
bytes (its ``MaxSize``) and, with the default retention, overwrites the oldest events when full;
this model bounds by record count instead, :data:`DEFAULT_MAX_RECORDS` per channel unless told
otherwise. A record that pushes a full channel over its bound evicts the oldest record, and the
channel's ``dropped`` counter says how many were evicted, so nothing is lost silently. Every
record carries a per-channel ``record_id`` counting from 1, as Windows' EventRecordID does, so a
reader can tell from the first kept id how much history was dropped.

A record is a frozen value: the simulated time, the channel, the event id, the level (Windows'
standard levels: Critical 1, Error 2, Warning 3, Information 4, Verbose 5) and the event's data
fields as ``(name, value)`` pairs in the order the writer gave them. Channel names compare without
regard to case, as Windows' do. Writing to a channel that does not exist here is a programming
error (``ValueError``), not a protocol outcome.

The module is pure: no clock (the writer passes ``time``), no I/O, deterministic order.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable, Iterator, Mapping

import attrs

ADMIN = "Microsoft-Windows-PrintService/Admin"
OPERATIONAL = "Microsoft-Windows-PrintService/Operational"
PRINT_SERVICE_CHANNELS = (ADMIN, OPERATIONAL)

# A modelling choice, not a Windows number: Windows bounds a channel by size in bytes.
DEFAULT_MAX_RECORDS = 1000


class Level(enum.IntEnum):
    """The standard event levels (``win:Critical`` ... ``win:Verbose``)."""

    CRITICAL = 1
    ERROR = 2
    WARNING = 3
    INFORMATION = 4
    VERBOSE = 5


@attrs.frozen
class ChannelRecord:
    """One event in one channel.

    Attributes:
        time: simulated seconds.
        channel: the channel's name as configured (e.g. :data:`OPERATIONAL`).
        event_id: the event's id within its provider (307 for a printed document, ...).
        level: how serious it is.
        fields: the event's data, ``(name, value)`` pairs in the writer's order.
        record_id: the record's number in its channel, from 1.
    """

    time: float
    channel: str
    event_id: int
    level: Level
    fields: tuple[tuple[str, object], ...] = ()
    record_id: int = 0

    def get(self, key: str, default: object = None) -> object:
        for k, v in self.fields:
            if k == key:
                return v
        return default


@attrs.frozen
class ChannelStatistics:
    """A snapshot of one channel: its bound, what it holds, what it has seen and dropped."""

    channel: str
    max_records: int
    kept: int
    written: int
    dropped: int


@attrs.define
class _Channel:
    name: str
    records: deque[ChannelRecord]
    written: int = 0
    dropped: int = 0


def _positive(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


@attrs.define
class EventChannels:
    """The event channels of one machine, each a bounded ring of records.

    Args:
        max_records: the default bound of every channel.
        names: the channels that exist.
        limits: per-channel bounds that override ``max_records`` (by channel name).
    """

    max_records: int = attrs.field(default=DEFAULT_MAX_RECORDS, validator=_positive)
    names: tuple[str, ...] = PRINT_SERVICE_CHANNELS
    limits: Mapping[str, int] = attrs.Factory(dict)
    _channels: dict[str, _Channel] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        bounds = {k.lower(): v for k, v in self.limits.items()}
        unknown = set(bounds) - {n.lower() for n in self.names}
        if unknown:
            raise ValueError(f"limits for unknown channels: {sorted(unknown)}")
        for name in self.names:
            bound = bounds.get(name.lower(), self.max_records)
            if bound < 1:
                raise ValueError(f"channel {name!r} bound must be at least 1, not {bound}")
            self._channels[name.lower()] = _Channel(name, deque(maxlen=bound))

    def _channel(self, name: str) -> _Channel:
        channel = self._channels.get((name or "").lower())
        if channel is None:
            raise ValueError(f"no event channel {name!r}")
        return channel

    def write(
        self,
        time: float,
        channel: str,
        event_id: int,
        level: Level | int,
        fields: Iterable[tuple[str, object]] | Mapping[str, object] = (),
    ) -> ChannelRecord:
        """Append an event to ``channel``, evicting the oldest record when the channel is full."""
        ch = self._channel(channel)
        pairs = tuple(fields.items() if isinstance(fields, Mapping) else fields)
        ch.written += 1
        record = ChannelRecord(time, ch.name, int(event_id), Level(level), pairs, ch.written)
        if len(ch.records) == ch.records.maxlen:
            ch.dropped += 1
        ch.records.append(record)
        return record

    def records(self, channel: str, event_id: int | None = None) -> list[ChannelRecord]:
        """The records ``channel`` still holds, oldest first; only ``event_id``'s if given."""
        kept = self._channel(channel).records
        return [r for r in kept if event_id is None or r.event_id == event_id]

    def dropped(self, channel: str) -> int:
        """How many records ``channel`` evicted to stay within its bound."""
        return self._channel(channel).dropped

    def statistics(self, channel: str) -> ChannelStatistics:
        ch = self._channel(channel)
        return ChannelStatistics(
            ch.name, ch.records.maxlen, len(ch.records), ch.written, ch.dropped
        )

    def __iter__(self) -> Iterator[ChannelRecord]:
        """Every kept record, channel by channel in ``names`` order."""
        for ch in self._channels.values():
            yield from ch.records

    def __len__(self) -> int:
        return sum(len(ch.records) for ch in self._channels.values())
