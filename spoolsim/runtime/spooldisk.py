"""A real spool directory: the jobs ``spoolsim serve`` accepted survive a crash of the process.

Theory of operation
===================

:class:`SpoolDisk` keeps, for one server, on a real disk, what ``spoolsim.model.spooldir``
models: a ``NNNNN.SPL`` / ``NNNNN.SHD`` pair per job. It listens to the server's event log. When
a job finishes spooling (``job.spooled``, which every front end's EndDoc, IPP Print-Job or
Send-Document reaches before it answers), it writes the data, then the shadow record
(:func:`spoolsim.model.spooldir.shadow_record`, framed by :mod:`spoolsim.wire.shadow`) under a
temporary name renamed into place, each fsynced, then the directory. The listener runs inside
the model's call, so a front end acknowledges a job only once its pair is on disk. (The writes
block the event loop for a few milliseconds per job: correctness first.) A pause, resume or
move rewrites the shadow, as localspl rewrites it on SetJob.

When a job has been sent to its printer (``job.printed``) or deleted, a line is appended to
``journal.log`` and fsynced, then the pair is removed. The journal is the commit point: a pair
whose sequence number the journal holds was finished before a crash that came between the two
steps; recovery removes it instead of printing it again.

What this promises: an acknowledged job is never lost, and a job the journal has committed is
never printed again. A crash that falls after the device took a job's last byte but before its
journal line (the few hundred microseconds between the two, with nothing fsynced between) leaves
a job that was still printing as far as the disk knows; like Windows' spooler, which restarts a
job that was printing, the restart prints it again from the beginning.

:meth:`SpoolDisk.recover`, before the estate starts, reads every pair and hands the records to
the model's own restart (:meth:`~spoolsim.model.server.PrintServer.start_service`), which
recovers, restarts or loses each as Windows' spooler does. A pair that cannot be trusted (a
torn or altered shadow, data whose length or CRC-32 differs from its record, data without a
shadow) is moved to ``quarantine/`` with a ``.why`` file saying what was wrong; the others load
regardless.
"""

from __future__ import annotations

import base64
import json
import os
import zlib
from pathlib import Path
from typing import Any

import attrs

from spoolsim.model.jobs import Job
from spoolsim.model.server import PrintServer
from spoolsim.model.spooldir import ShadowRecord, SpoolDirectory, shadow_record
from spoolsim.rpc.jobprops import PrintNamedProperty, PrintPropertyValue
from spoolsim.wire.shadow import ShadowError, decode, encode

JOURNAL = "journal.log"
QUARANTINE = "quarantine"
_REWRITE = frozenset(
    {"job.paused", "job.resumed", "job.moved", "job.property_set", "job.property_deleted"}
)


@attrs.define
class _OnDisk:
    """A job whose pair is on disk: what its shadow says and what its data file holds."""

    sequence: int
    document: str
    size: int
    crc: int
    fields: dict[str, Any] = attrs.Factory(dict)  # as last written


@attrs.frozen
class DiskRecovery:
    """What :meth:`SpoolDisk.recover` found."""

    restored: tuple[int, ...]  # job ids back in their queues (recovered or restarted)
    lost: tuple[int, ...]  # records the model's rules dropped (job.lost)
    finished: int  # pairs the journal had already committed (removed)
    quarantined: tuple[str, ...]  # one message per quarantined pair


class SpoolDisk:
    """One server's jobs on disk, under ``path`` (created when missing)."""

    def __init__(self, path: str | os.PathLike[str], server: PrintServer) -> None:
        self.path = Path(path)
        self.server = server
        self.path.mkdir(parents=True, exist_ok=True)
        self._live: dict[int, _OnDisk] = {}
        self._next = 1

    # -- recovery ------------------------------------------------------------------------------

    def recover(self, now: float) -> DiskRecovery:
        """Reload the directory into the server's queues, then record every job from now on."""
        committed = self._journal_sequences()
        if committed:
            self._next = max(committed) + 1
        directory = SpoolDirectory(now)
        on_disk: dict[int, _OnDisk] = {}
        quarantined, finished = [], 0
        stems = {p.stem for p in self.path.glob("*.SHD")} | {
            p.stem for p in self.path.glob("*.SPL")
        }
        for stem in sorted(stems):
            try:
                record, entry = self._read_pair(stem)
            except ShadowError as exc:
                quarantined.append(self._quarantine(stem, exc.detail, now))
                continue
            self._next = max(self._next, entry.sequence + 1)
            if entry.sequence in committed:
                self._remove(stem)  # printed or deleted before the crash; only the unlink was lost
                finished += 1
            else:
                directory.add(record)
                on_disk[record.job_id] = entry
        restored: tuple[int, ...] = ()
        lost: tuple[int, ...] = ()
        if len(directory):
            self.server.stopped = directory  # the process starts with the spooler "stopped"
            found = self.server.start_service(now)
            restored, lost = found.recovered + found.restarted, found.lost
            for job_id in (*lost, *found.deleted):
                self._commit(job_id, on_disk[job_id], "lost" if job_id in lost else "deleted", now)
            self._live = {j: on_disk[j] for j in restored}
            for job_id in restored:  # what restarting changed (a printing job is queued again)
                self._refresh(self.server.jobs[job_id])
        # First in line: the journal line follows the printing with as little between as can be.
        self.server.log.listeners.insert(0, self._on_event)
        self.server.job_watchers.append(self._priority)
        return DiskRecovery(restored, lost, finished, tuple(quarantined))

    def _read_pair(self, stem: str) -> tuple[ShadowRecord, _OnDisk]:
        shd, spl = self.path / f"{stem}.SHD", self.path / f"{stem}.SPL"
        if not shd.exists():
            raise ShadowError(f"{spl.name}: no shadow file: the job never finished spooling")
        try:
            fields = decode(shd.read_bytes())
        except ShadowError as exc:
            raise ShadowError(f"{shd.name}: {exc.detail}") from None
        if not spl.exists():
            raise ShadowError(f"{shd.name}: its data file {spl.name} is missing")
        data = spl.read_bytes()
        try:
            record, sequence, size, crc = _from_fields(fields, data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ShadowError(f"{shd.name}: field {exc} is missing or has the wrong type") from None
        if len(data) != size or zlib.crc32(data) != crc:
            why = f"{len(data)} octets" if len(data) != size else "its CRC-32"
            raise ShadowError(f"{spl.name}: {why} does not match {shd.name} (torn data)")
        if f"{record.job_id:05d}" != stem:
            raise ShadowError(f"{shd.name}: the record is for job {record.job_id}")
        return record, _OnDisk(sequence, record.document, size, crc, fields)

    def _quarantine(self, stem: str, why: str, now: float) -> str:
        where = self.path / QUARANTINE
        where.mkdir(exist_ok=True)
        kept = stem  # job ids come round again: never overwrite an earlier quarantined pair
        n = 1
        while (where / f"{kept}.why").exists():
            n += 1
            kept = f"{stem}-{n}"
        for suffix in (".SHD", ".SPL"):
            source = self.path / f"{stem}{suffix}"
            if source.exists():
                source.replace(where / f"{kept}{suffix}")
        (where / f"{kept}.why").write_text(why + "\n")
        self.server.log.add(now, "spool.quarantined", stem, reason=why)
        return why

    def _journal_sequences(self) -> set[int]:
        journal = self.path / JOURNAL
        if not journal.exists():
            return set()
        seen = set()
        for line in journal.read_bytes().splitlines():
            try:
                seen.add(int(json.loads(line)["sequence"]))
            except (ValueError, KeyError, TypeError):
                continue  # a line torn by the crash: its pair is still there, and reloads
        return seen

    # -- recording -----------------------------------------------------------------------------

    def _on_event(self, time: float, kind: str, subject: str, data: object) -> None:
        if kind == "job.spooled":
            self._spooled(self.server.jobs[int(subject.rpartition("/")[2])])
        elif kind in _REWRITE and "/" in subject:
            job = self.server.jobs.get(int(subject.rpartition("/")[2]))
            if job is not None:
                self._refresh(job)
        elif kind in ("job.printed", "job.deleted"):
            entry = self._live.pop(int(subject.rpartition("/")[2]), None)
            if entry is not None:
                self._commit(int(subject.rpartition("/")[2]), entry, kind.partition(".")[2], time)

    def _spooled(self, job: Job) -> None:
        data = bytes(job.data)
        sequence, self._next = self._next, self._next + 1
        entry = _OnDisk(sequence, job.document, len(data), zlib.crc32(data))
        _write_synced(self.path / f"{job.job_id:05d}.SPL", data)
        self._live[job.job_id] = entry
        self._refresh(job)

    def _priority(self, job: Job) -> None:
        """SetJob's priority has no event of its own; progress ticks change nothing on disk."""
        entry = self._live.get(job.job_id)
        if entry is not None and entry.fields.get("priority") != job.priority:
            self._refresh(job)

    def _refresh(self, job: Job) -> None:
        """Rewrite the job's shadow when what it records has changed (SetJob, a named
        property, printing starting); a job not on disk is not ours."""
        entry = self._live.get(job.job_id)
        queue = self.server.printers[job.printer_name.lower()].queue
        if entry is None or job.job_id not in queue:
            return
        fields = _to_fields(shadow_record(job, queue.index(job.job_id) + 1), entry)
        if fields == entry.fields:
            return
        stem = f"{job.job_id:05d}"
        temporary = self.path / f"{stem}.SHD.tmp"
        _write_synced(temporary, encode(fields))
        temporary.replace(self.path / f"{stem}.SHD")
        _sync_directory(self.path)
        entry.fields = fields

    def _commit(self, job_id: int, entry: _OnDisk, event: str, time: float) -> None:
        line = {"event": event, "job": job_id, "document": entry.document}
        line |= {"sequence": entry.sequence, "t": time}
        with open(self.path / JOURNAL, "ab") as journal:
            journal.write(json.dumps(line, sort_keys=True).encode() + b"\n")
            journal.flush()
            os.fsync(journal.fileno())
        self._remove(f"{job_id:05d}")

    def _remove(self, stem: str) -> None:
        for suffix in (".SHD", ".SPL"):
            (self.path / f"{stem}{suffix}").unlink(missing_ok=True)


# -- a model record as the shadow file's fields ----------------------------------------------------


def _to_fields(record: ShadowRecord, entry: _OnDisk) -> dict[str, Any]:
    fields = attrs.asdict(record, recurse=False)
    del fields["data"]  # the .SPL, written once; its size and CRC-32 are kept instead
    fields["devmode"] = _b64(record.devmode)
    fields["properties"] = [[name, _tagged(value)] for name, value in record.properties]
    return fields | {"sequence": entry.sequence, "data_size": entry.size, "data_crc32": entry.crc}


def _from_fields(shadow: dict[str, Any], data: bytes) -> tuple[ShadowRecord, int, int, int]:
    fields = dict(shadow)
    sequence, size, crc = fields.pop("sequence"), fields.pop("data_size"), fields.pop("data_crc32")
    devmode = fields.pop("devmode")
    fields["devmode"] = None if devmode is None else base64.b64decode(devmode, validate=True)
    fields["properties"] = tuple((str(n), _untagged(v)) for n, v in fields.pop("properties"))
    record = ShadowRecord(**fields, data=data)
    if not all(isinstance(v, int) for v in (sequence, size, crc, record.job_id, record.status)):
        raise TypeError("sequence")
    return record, sequence, size, crc


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode()


_KINDS: dict[str, type] = {"PrintNamedProperty": PrintNamedProperty}
_KINDS["PrintPropertyValue"] = PrintPropertyValue


def _tagged(value: object) -> object:
    """A job named property's value as JSON: bytes, tuples and the property classes tagged,
    so that they come back as they were."""
    if isinstance(value, bytes | bytearray):
        return {"bytes": _b64(bytes(value))}
    if isinstance(value, tuple | list):
        return {"tuple": [_tagged(v) for v in value]}
    if type(value).__name__ in _KINDS:
        return {type(value).__name__: [_tagged(v) for v in attrs.astuple(value, recurse=False)]}
    return value


def _untagged(value: object) -> object:
    if not isinstance(value, dict) or len(value) != 1:
        return value
    ((tag, inner),) = value.items()
    if tag == "bytes":
        return base64.b64decode(inner, validate=True)
    if tag == "tuple":
        return tuple(_untagged(v) for v in inner)
    if tag in _KINDS:
        return _KINDS[tag](*(_untagged(v) for v in inner))
    return value


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _sync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
