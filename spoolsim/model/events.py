"""The one event log: frozen records with their simulated time.

Every meaningful change in the model (a job submitted, spooled, printed, deleted; a printer paused;
a form added; an RPC call and its status) is appended here as an :class:`Event`. Reports, timelines
and tests read the log; nothing else holds history. Records are ordered by append order, which the
model makes deterministic: the same calls at the same times give the same log.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import attrs


@attrs.frozen
class Event:
    """One thing that happened.

    Attributes:
        time: simulated seconds.
        kind: a dotted name such as ``job.spooled`` or ``rpc.call``.
        subject: what it happened to (a printer name, ``Printer/7`` for a job, a form name).
        data: further facts as sorted ``(key, value)`` pairs of JSON-able values.
    """

    time: float
    kind: str
    subject: str
    data: tuple[tuple[str, object], ...] = ()

    def get(self, key: str, default: object = None) -> object:
        for k, v in self.data:
            if k == key:
                return v
        return default

    def to_json(self, **extra: object) -> str:
        """One JSON line's worth (keys sorted); ``extra`` adds facts the event does not carry."""
        record = {"t": self.time, "kind": self.kind, "subject": self.subject}
        record.update(self.data)
        record.update(extra)
        return json.dumps(record, sort_keys=True, separators=(",", ":"))


@attrs.define
class EventLog:
    """An append-only list of events. ``enabled=False`` keeps counts only (for very large runs).

    ``listeners`` are called with ``(time, kind, subject, data)`` for every event, kept or not
    (``data`` is the event's keyword facts as a dict; listeners must not change it). The runtime
    learns from them that a queue changed, and metrics and reports count from them, without the
    model knowing about either.
    """

    enabled: bool = True
    listeners: list[Callable[[float, str, str, dict[str, object]], None]] = attrs.Factory(list)
    _events: list[Event] = attrs.Factory(list)
    _count: int = 0

    def add(self, time: float, kind: str, subject: str, **data: object) -> None:
        self._count += 1
        if self.enabled:
            self._events.append(Event(time, kind, subject, tuple(sorted(data.items()))))
        for listener in self.listeners:
            listener(time, kind, subject, data)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def __len__(self) -> int:
        return len(self._events)

    @property
    def count(self) -> int:
        """Events recorded, including those not kept when the log is disabled."""
        return self._count

    def of_kind(self, *kinds: str) -> list[Event]:
        return [e for e in self._events if e.kind in kinds]

    def to_jsonl(self) -> str:
        return "".join(e.to_json() + "\n" for e in self._events)
