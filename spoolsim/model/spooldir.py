"""The spool directory: what of each job outlives the spooler process.

Theory of operation
-------------------
Windows' local spooler keeps every job in the spool directory (``...\\spool\\PRINTERS``) as two
files named after the job id: ``nnnnn.SPL``, the data the client wrote, and ``nnnnn.SHD``, the
*shadow file*: the job's properties (id, Status, priority, document, user, notify name, datatype,
print processor and its parameters, driver, DEVMODE, submitted time, StartTime and UntilTime,
size, pages, and a reboot count). localspl writes the shadow file when the job is created (Status
JOB_SPOOLING), again when spooling ends, on every SetJob change and, for a job that is not RAW,
each time printing starts; every write ends with FlushFileBuffers (``WriteShadowJob``, localspl's
init.c in the Windows NT sources). So at any instant the directory holds each job's persistent
fields as they are at that instant, and the model builds the records (:func:`shadow_record`) at
the moment the service stops (:meth:`SpoolDirectory.capture`) instead of on every change: the
same content, at no cost while the spooler runs. A durable implementation writes the same record
at the points listed above.

When the spooler starts it reads every ``*.SHD`` (``ProcessShadowJobs`` and ``ReadShadowJob`` in
the same file). :func:`fate` applies its rules to one record:

* Status has JOB_SPOOLING: the document never ended (the client was cut off mid-document), so the
  pair is deleted: the job is **lost**.
* Status has JOB_DELETING (JOB_PENDING_DELETION): the pair is deleted: the deletion a user asked
  for is **finished**.
* dwReboots > 1: "corrupt shadow file", deleted: **lost**. dwReboots counts print starts of a job
  that is not RAW and has not yet finished printing (a SetJob restart cancels its start's count),
  so a job that was printing at two failures in a row is dropped: the guard against a job that
  takes the spooler down whenever it prints (KB Q219355 describes it dropping restarted jobs
  before NT 4.0 SP5 fixed the count, the fix the model follows).
* Otherwise the job comes back with its id, priority, submitted time, times, size, pages, strings
  and DEVMODE; its Status keeps only JOB_PAUSED and JOB_PRINTED (and, here, RETAINED, by analogy:
  a retained job is kept precisely so that it survives) and its printed count starts at 0. A job
  that was printing therefore prints again from page one: **restarted**; any other is
  **recovered** as it was. A job whose printer no longer exists is deleted (``FindPrinter``
  fails): **lost**.

Choices where the sources are silent or the model differs:

* Queue order. ReadShadowJob appends jobs in the order FindFirstFile returns the ``*.SHD`` names
  (on NTFS by name, that is by job id); the shadow file keeps no position. The record keeps the
  job's position in its queue and the model restores each queue in that order, which is the same
  order unless SetJob had moved a job.
* A clean stop (``server_down`` with ``clean``) and a crash leave the same directory: every shadow
  write is already flushed, so an orderly stop has nothing left to finish, and a client that was
  still spooling loses its connection either way, leaving a shadow file that says JOB_SPOOLING.
* Job Named Properties (MS-RPRN 3.1.1) are kept with the job, by analogy with its other
  properties; the sources do not say where Windows keeps them.
* Job ids continue after the highest restored id (``PrintServer.start_service``).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping

import attrs

from spoolsim.model.constants import JobStatus
from spoolsim.model.jobs import Job, Phase

# ReadShadowJob deletes a shadow file whose dwReboots is above this.
MAX_REBOOTS = 1
# Status bits a restored job keeps (ReadShadowJob: PAUSED | REMOTE | PRINTED; RETAINED added here).
KEPT_STATUS = JobStatus.PAUSED | JobStatus.PRINTED | JobStatus.RETAINED

# Reasons, as ``job.lost`` and ``job.restarted`` events carry them.
LOST_SPOOLING = "cut off while spooling"
LOST_CORRUPT = "printing at two spooler failures in a row (dwReboots > 1)"
LOST_NO_PRINTER = "its printer is gone"
DELETED_AT_RESTART = "deletion finished at restart"
RESTART_REASON = "spooler restart"


class Fate(enum.Enum):
    """What the spooler does with one record when it starts."""

    RECOVERED = "recovered"  # back as it was
    RESTARTED = "restarted"  # back, and prints again from page one
    LOST = "lost"  # its files are deleted: the document is gone
    DELETED = "deleted"  # its deletion was under way: it is finished


def is_raw(datatype: str) -> bool:
    """RAW and its variants ("RAW [FF appended]", "RAW [FF auto]"): dwReboots is not kept."""
    return datatype[:3].upper() == "RAW"


@attrs.frozen
class ShadowRecord:
    """One job's pair of files: the shadow file's fields, and the spool file's data.

    Attributes:
        job_id: the job's id (the files' name).
        printer_name: the printer it was queued on.
        position: its 1-based position in that queue when the record was written.
        status: the job's JOB_STATUS_* bits when written (JOB_SPOOLING until spooling ended).
        reboots: dwReboots (see the module docstring).
        data: the spool file's content (the same bytes, never copied: spooled data does not
            change once spooling ends).
        properties: the Job Named Properties, as (name, value) pairs.
    """

    job_id: int
    printer_name: str
    position: int
    status: int
    priority: int
    document: str
    datatype: str
    user: str
    machine: str
    notify_name: str
    submitted: float
    print_processor: str
    driver_name: str
    parameters: str = ""
    output_file: str | None = None
    start_time: int = 0
    until_time: int = 0
    size: int = 0
    total_pages: int = 0
    reboots: int = 0
    devmode: bytes | None = None
    data: bytes | bytearray = b""
    properties: tuple[tuple[str, object], ...] = ()

    @property
    def subject(self) -> str:
        """How the event log names the job: ``Printer/7``."""
        return f"{self.printer_name}/{self.job_id}"

    @property
    def complete(self) -> bool:
        """Whether spooling had ended: the pair holds the whole document."""
        return not self.status & JobStatus.SPOOLING


def shadow_record(job: Job, position: int) -> ShadowRecord:
    """What WriteShadowJob writes for ``job`` now, at ``position`` in its printer's queue."""
    return ShadowRecord(
        job_id=job.job_id,
        printer_name=job.printer_name,
        position=position,
        status=int(job.status),
        priority=job.priority,
        document=job.document,
        datatype=job.datatype,
        user=job.user,
        machine=job.machine,
        notify_name=job.notify_name,
        submitted=job.submitted,
        print_processor=job.print_processor,
        driver_name=job.driver_name,
        parameters=job.parameters,
        output_file=job.output_file,
        start_time=job.start_time,
        until_time=job.until_time,
        size=job.size,
        total_pages=job.total_pages,
        reboots=job.reboots,
        devmode=job.devmode,
        data=job.data,
        properties=tuple(sorted(job.properties.items())),
    )


def fate(record: ShadowRecord) -> tuple[Fate, str]:
    """What the spooler does with ``record`` when it starts, and why (ReadShadowJob's rules)."""
    status = record.status
    if status & JobStatus.SPOOLING:
        return Fate.LOST, LOST_SPOOLING
    if status & JobStatus.DELETING:
        return Fate.DELETED, DELETED_AT_RESTART
    if record.reboots > MAX_REBOOTS:
        return Fate.LOST, LOST_CORRUPT
    if status & JobStatus.PRINTING:
        return Fate.RESTARTED, RESTART_REASON
    return Fate.RECOVERED, ""


def restored_job(record: ShadowRecord) -> Job:
    """A job as ReadShadowJob rebuilds it from ``record`` (nothing printed yet, no port)."""
    kept = JobStatus(record.status & KEPT_STATUS)
    return Job(
        job_id=record.job_id,
        printer_name=record.printer_name,
        document=record.document,
        datatype=record.datatype,
        user=record.user,
        machine=record.machine,
        submitted=record.submitted,
        print_processor=record.print_processor,
        driver_name=record.driver_name,
        notify_name=record.notify_name,
        output_file=record.output_file,
        parameters=record.parameters,
        priority=record.priority,
        phase=Phase.PRINTED if kept & JobStatus.PRINTED else Phase.QUEUED,
        modifiers=kept & ~JobStatus.PRINTED,
        size=record.size,
        total_pages=record.total_pages,
        start_time=record.start_time,
        until_time=record.until_time,
        reboots=record.reboots,
        devmode=record.devmode,
        data=record.data if isinstance(record.data, bytearray) else bytearray(record.data),
        properties=dict(record.properties),
    )


@attrs.frozen
class Recovery:
    """What one start of the spooler did with the spool directory, job by job."""

    recovered: tuple[int, ...] = ()
    restarted: tuple[int, ...] = ()
    lost: tuple[int, ...] = ()
    deleted: tuple[int, ...] = ()


@attrs.define
class SpoolDirectory:
    """The records a stopped spooler left, by job id; iterated in queue order.

    Attributes:
        stopped_at: when the service stopped.
        clean: an orderly stop (True) or a crash.
    """

    stopped_at: float
    clean: bool = False
    _records: dict[int, ShadowRecord] = attrs.Factory(dict)

    @classmethod
    def capture(
        cls,
        queues: Iterable[Iterable[int]],
        jobs: Mapping[int, Job],
        now: float,
        *,
        clean: bool = False,
    ) -> SpoolDirectory:
        """The directory as it is at ``now``: a record for every job in ``queues`` (each a
        printer's job ids in position order)."""
        directory = cls(now, clean)
        for queue in queues:
            for position, job_id in enumerate(queue, 1):
                directory.add(shadow_record(jobs[job_id], position))
        return directory

    def add(self, record: ShadowRecord) -> None:
        """Write ``record`` (replacing the job's earlier one)."""
        self._records[record.job_id] = record

    def remove(self, job_id: int) -> ShadowRecord | None:
        """Delete a job's pair; returns its record, or None when there was none."""
        return self._records.pop(job_id, None)

    def get(self, job_id: int) -> ShadowRecord | None:
        return self._records.get(job_id)

    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._records

    def __iter__(self) -> Iterator[ShadowRecord]:
        """Every record, by printer (without regard to case), then position, then job id."""
        return iter(
            sorted(
                self._records.values(),
                key=lambda r: (r.printer_name.lower(), r.position, r.job_id),
            )
        )

    def waiting(self, printer_name: str | None = None) -> int:
        """Records that a start would bring back (recovered or restarted), on one printer or
        all: the jobs still pending while the service is stopped."""
        key = printer_name.lower() if printer_name is not None else None
        return sum(
            1
            for r in self._records.values()
            if (key is None or r.printer_name.lower() == key)
            and fate(r)[0] in (Fate.RECOVERED, Fate.RESTARTED)
        )
