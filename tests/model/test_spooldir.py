"""The spool directory: what survives a spooler stop or crash, and how jobs come back."""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from spoolsim.model.constants import Access, JobControl, JobStatus, PrinterAttributes, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.jobs import Phase
from spoolsim.model.spooldir import (
    DELETED_AT_RESTART,
    LOST_CORRUPT,
    LOST_NO_PRINTER,
    LOST_SPOOLING,
    RESTART_REASON,
    Fate,
    ShadowRecord,
    SpoolDirectory,
    fate,
    is_raw,
    restored_job,
    shadow_record,
)
from spoolsim.rpc import Client, Container
from spoolsim.rpc.notify import notify_filter, reply_values
from spoolsim.rpc.notifyfields import (
    JOB_FIELD_IDS,
    JOB_NOTIFY_TYPE,
    PRINTER_CHANGE_ALL_2,
    PRINTER_FIELD_IDS,
)
from tests.rpc.estate import Estate, printer_container

EMF = "NT EMF 1.008"


def record(**changes: object) -> ShadowRecord:
    base: dict[str, object] = dict(
        job_id=7,
        printer_name="P1",
        position=1,
        status=int(JobStatus.QUEUED),
        priority=1,
        document="doc",
        datatype="RAW",
        user="alice",
        machine="\\\\ALICE-PC",
        notify_name="alice",
        submitted=10.0,
        print_processor="winprint",
        driver_name="drv",
    )
    base.update(changes)
    return ShadowRecord(**base)  # type: ignore[arg-type]


def events(e: Estate, *kinds: str) -> list[tuple[str, str, dict[str, object]]]:
    return [(ev.kind, ev.subject, dict(ev.data)) for ev in e.server.log if ev.kind in kinds]


def start_doc(e: Estate, client: Client, data: bytes = b"", *, datatype: str | None = None):
    """A document begun (and maybe written) but not ended: (handle, job id)."""
    h = e.open(client)
    info = {"pDocName": "open doc"} | ({"pDatatype": datatype} if datatype else {})
    r = client.RpcAsyncStartDocPrinter(h, Container(1, info))
    assert r.status == 0, r
    if data:
        assert client.RpcAsyncWritePrinter(h, data, len(data)).status == 0
    return h, r.pJobId


def print_on(e: Estate, job_id: int) -> None:
    """The scheduler hands ``job_id`` to the printer's port."""
    e.server.start_job(e.server.jobs[job_id], "LPT1:", e.t)


# -- the rules of ReadShadowJob ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reboots", "expected"),
    [
        (JobStatus.SPOOLING, 0, (Fate.LOST, LOST_SPOOLING)),
        (JobStatus.SPOOLING | JobStatus.PAUSED, 0, (Fate.LOST, LOST_SPOOLING)),
        (JobStatus.DELETING | JobStatus.PRINTING, 0, (Fate.DELETED, DELETED_AT_RESTART)),
        (JobStatus.PRINTING, 2, (Fate.LOST, LOST_CORRUPT)),
        (JobStatus.PRINTING, 1, (Fate.RESTARTED, RESTART_REASON)),
        (JobStatus.QUEUED, 1, (Fate.RECOVERED, "")),
        (JobStatus.PAUSED | JobStatus.ERROR, 0, (Fate.RECOVERED, "")),
        (JobStatus.PRINTED | JobStatus.COMPLETE, 0, (Fate.RECOVERED, "")),
    ],
)
def test_fate_follows_read_shadow_job(status: JobStatus, reboots: int, expected) -> None:
    rec = record(status=int(status), reboots=reboots)
    assert fate(rec) == expected
    assert rec.complete is not bool(status & JobStatus.SPOOLING)


def test_a_restored_job_keeps_its_properties_and_only_paused_printed_retained() -> None:
    data = bytearray(b"page\f" * 3)
    rec = record(
        status=int(JobStatus.PRINTING | JobStatus.PAUSED | JobStatus.ERROR | JobStatus.RESTART),
        priority=42,
        datatype=EMF,
        size=15,
        total_pages=3,
        devmode=b"DM",
        data=data,
        reboots=1,
        start_time=60,
        until_time=120,
        output_file="C:\\out.prn",
        properties=(("colour", "yes"),),
    )
    job = restored_job(rec)
    assert (job.job_id, job.printer_name, job.priority, job.document, job.user) == (
        7,
        "P1",
        42,
        "doc",
        "alice",
    )
    assert (job.datatype, job.size, job.total_pages, job.devmode) == (EMF, 15, 3, b"DM")
    assert (job.start_time, job.until_time, job.output_file) == (60, 120, "C:\\out.prn")
    assert job.data is data  # the spool file, not a copy
    assert job.properties == {"colour": "yes"} and job.reboots == 1
    assert job.phase is Phase.QUEUED and job.modifiers == JobStatus.PAUSED
    assert (job.pages_printed, job.bytes_printed, job.port, job.started) == (0, 0, None, None)
    kept = restored_job(record(status=int(JobStatus.PRINTED | JobStatus.RETAINED)))
    assert kept.phase is Phase.PRINTED and kept.modifiers == JobStatus.RETAINED


def test_shadow_record_and_restored_job_round_trip() -> None:
    e = Estate()
    job_id = e.print_job(e.alice, b"abc\f", pages=2)
    job = e.server.jobs[job_id]
    job.properties["k"] = 5
    rec = shadow_record(job, 1)
    back = restored_job(rec)
    for field in ("job_id", "printer_name", "document", "datatype", "user", "machine", "size"):
        assert getattr(back, field) == getattr(job, field), field
    assert (back.total_pages, back.submitted, back.priority) == (2, job.submitted, job.priority)
    assert back.properties == {"k": 5} and bytes(back.data) == b"abc\fabc\f"


def test_is_raw_covers_the_raw_variants() -> None:
    assert is_raw("RAW") and is_raw("raw [FF appended]") and is_raw("RAW [FF auto]")
    assert not is_raw(EMF) and not is_raw("TEXT")


def test_the_directory_iterates_in_queue_order_and_counts_what_would_return() -> None:
    d = SpoolDirectory(0.0)
    d.add(record(job_id=3, printer_name="b", position=1))
    d.add(record(job_id=9, printer_name="A", position=2))
    d.add(record(job_id=4, printer_name="A", position=1, status=int(JobStatus.SPOOLING)))
    assert [r.job_id for r in d] == [4, 9, 3]
    assert (len(d), 9 in d, d.waiting(), d.waiting("a"), d.waiting("B")) == (3, True, 2, 1, 1)
    assert d.remove(9) is not None and d.remove(9) is None and d.get(3) is not None


# -- stopping and starting the service ------------------------------------------------------------


def test_a_crash_keeps_complete_jobs_restarts_the_printing_one_and_loses_the_cut_off_one() -> None:
    e = Estate()
    assert e.admin.RpcAsyncAddPrinter(None, printer_container("P2"), None, None).status == 0
    printing = e.print_job(e.alice)
    queued = e.print_job(e.bob)
    moved = e.print_job(e.alice)
    paused = e.print_job(e.bob, name="P2")
    print_on(e, printing)
    admin = e.open(e.admin, access=Access.PRINTER_ALL_ACCESS)
    assert e.admin.RpcAsyncSetJob(admin, moved, Container(1, {"Position": 2}), 0).status == 0
    e.server.set_job_priority(e.server.jobs[queued], 50)
    e.server.control_job(e.server.jobs[paused], JobControl.PAUSE, e.t)
    _, cut_off = start_doc(e, e.alice, b"partial")
    e.t = 30.0
    directory = e.server.stop_service(e.t)
    assert (e.server.jobs, e.server.stopped) == ({}, directory)
    assert all(not p.queue for p in e.server.printers.values())
    assert [r.job_id for r in directory] == [printing, moved, queued, cut_off, paused]
    assert not directory.get(cut_off).complete and directory.waiting() == 4
    e.t = 330.0
    recovery = e.server.start_service(e.t)
    assert recovery.recovered == (moved, queued, paused)
    assert (recovery.restarted, recovery.lost, recovery.deleted) == ((printing,), (cut_off,), ())
    assert e.server.printers["p1"].queue == [printing, moved, queued]
    assert e.server.printers["p2"].queue == [paused]
    assert e.server.jobs[queued].priority == 50
    assert e.server.jobs[paused].modifiers & JobStatus.PAUSED
    restored = e.server.jobs[printing]
    assert restored.phase is Phase.QUEUED and restored.port is None
    got = events(e, "server.down", "server.up", "job.recovered", "job.restarted", "job.lost")
    assert got == [
        ("server.down", "SPOOLSIM", {"clean": False, "spooled": 5}),
        ("server.up", "SPOOLSIM", {"spooled": 5}),
        (
            "job.restarted",
            f"P1/{printing}",
            {"position": 1, "priority": 1, "reason": RESTART_REASON},
        ),
        ("job.recovered", f"P1/{moved}", {"position": 2, "priority": 1}),
        ("job.recovered", f"P1/{queued}", {"position": 3, "priority": 50}),
        ("job.lost", f"P1/{cut_off}", {"reason": LOST_SPOOLING, "size": 7}),
        ("job.recovered", f"P2/{paused}", {"position": 1, "priority": 1}),
    ]
    # New ids continue after the highest restored one; the cut-off job's id is free again.
    assert max(printing, queued, moved, paused) + 1 == cut_off == e.print_job(e.bob)


def test_a_clean_stop_leaves_the_same_directory_as_a_crash() -> None:
    def stopped(clean: bool) -> list[ShadowRecord]:
        e = Estate()
        e.print_job(e.alice)
        print_on(e, e.print_job(e.bob))
        start_doc(e, e.alice, b"x")
        return list(e.server.stop_service(1.0, clean=clean))

    assert stopped(True) == stopped(False)


def test_a_job_being_deleted_is_deleted_at_restart_and_ids_restart_after_the_highest() -> None:
    e = Estate()
    first = e.print_job(e.alice)
    doomed = e.print_job(e.alice)
    print_on(e, doomed)
    e.server.control_job(e.server.jobs[doomed], JobControl.CANCEL, e.t)
    assert e.server.jobs[doomed].phase is Phase.DELETING
    e.server.stop_service(1.0)
    recovery = e.server.start_service(2.0)
    assert (recovery.recovered, recovery.deleted) == ((first,), (doomed,))
    assert ("job.deleted", f"P1/{doomed}", {"reason": DELETED_AT_RESTART}) in events(
        e, "job.deleted"
    )
    assert e.print_job(e.bob) == first + 1  # the deleted job's id is free again


def test_kept_printed_jobs_come_back_printed() -> None:
    e = Estate()
    p = e.server.printers["p1"]
    p.attributes |= PrinterAttributes.KEEPPRINTEDJOBS
    job_id = e.print_job(e.alice)
    print_on(e, job_id)
    e.server.job_sent(e.server.jobs[job_id], 5.0)
    e.server.stop_service(6.0)
    assert e.server.start_service(7.0).recovered == (job_id,)
    assert e.server.jobs[job_id].phase is Phase.PRINTED


def test_dwreboots_counts_starts_of_non_raw_jobs_and_drops_one_printing_at_two_failures() -> None:
    e = Estate()
    emf_handle, emf_id = start_doc(e, e.alice, b"x", datatype=EMF)
    raw_handle, raw_id = start_doc(e, e.bob, b"y")
    assert e.alice.RpcAsyncEndDocPrinter(emf_handle).status == 0
    assert e.bob.RpcAsyncEndDocPrinter(raw_handle).status == 0
    print_on(e, emf_id)
    assert e.server.jobs[emf_id].reboots == 1
    e.server.job_failed(e.server.jobs[emf_id], 1.0)
    print_on(e, emf_id)  # a retry after a port error is the same start
    assert e.server.jobs[emf_id].reboots == 1
    e.server.stop_service(2.0)
    assert e.server.start_service(3.0).restarted == (emf_id,)
    print_on(e, emf_id)  # printing again after the restart: the second start
    e.server.start_job(e.server.jobs[raw_id], "LPT2:", 3.0)
    assert (e.server.jobs[emf_id].reboots, e.server.jobs[raw_id].reboots) == (2, 0)
    e.server.stop_service(4.0, clean=True)
    recovery = e.server.start_service(5.0)
    assert (recovery.lost, recovery.restarted) == ((emf_id,), (raw_id,))
    assert ("job.lost", f"P1/{emf_id}", {"reason": LOST_CORRUPT, "size": 1}) in events(
        e, "job.lost"
    )


def test_a_setjob_restart_does_not_count_as_a_new_start() -> None:
    e = Estate()
    handle, job_id = start_doc(e, e.alice, b"x", datatype=EMF)
    e.alice.RpcAsyncEndDocPrinter(handle)
    print_on(e, job_id)
    e.server.control_job(e.server.jobs[job_id], JobControl.RESTART, 1.0)
    print_on(e, job_id)
    assert e.server.jobs[job_id].reboots == 1


def test_stop_and_start_refuse_the_state_they_are_in() -> None:
    e = Estate()
    with pytest.raises(SpoolerError) as running:
        e.server.start_service(0.0)
    e.server.stop_service(0.0)
    with pytest.raises(SpoolerError) as stopped:
        e.server.stop_service(0.0)
    assert running.value.code == stopped.value.code == Win32.ERROR_INVALID_PRINTER_STATE


def test_restore_job_and_lose_job_are_the_api_for_one_record() -> None:
    e = Estate()
    job = e.server.restore_job(record(job_id=40, priority=9, size=3, data=b"abc"), 1.0)
    assert e.server.printers["p1"].queue == [40] and bytes(job.data) == b"abc"
    with pytest.raises(SpoolerError) as twice:
        e.server.restore_job(record(job_id=40), 1.0)
    with pytest.raises(SpoolerError) as nowhere:
        e.server.restore_job(record(job_id=41, printer_name="Gone"), 1.0)
    assert twice.value.code == Win32.ERROR_ALREADY_EXISTS
    assert nowhere.value.code == Win32.ERROR_INVALID_PRINTER_NAME
    e.server.lose_job(record(job_id=41, printer_name="Gone", size=8), "disk failure", 2.0)
    assert events(e, "job.recovered", "job.lost") == [
        ("job.recovered", "P1/40", {"position": 1, "priority": 9}),
        ("job.lost", "Gone/41", {"reason": "disk failure", "size": 8}),
    ]


def test_a_record_whose_printer_is_gone_is_lost() -> None:
    e = Estate()
    e.print_job(e.alice)
    directory = e.server.stop_service(0.0)
    directory.add(record(job_id=99, printer_name="Gone", position=1))
    recovery = e.server.start_service(1.0)
    assert recovery.lost == (99,)
    assert ("job.lost", "Gone/99", {"reason": LOST_NO_PRINTER, "size": 0}) in events(e, "job.lost")


def test_after_a_restart_old_handles_are_invalid_and_a_new_subscriber_sees_restored_jobs() -> None:
    e = Estate()
    watch = notify_filter(
        PRINTER_CHANGE_ALL_2, printer_fields=PRINTER_FIELD_IDS, job_fields=JOB_FIELD_IDS
    )
    old = e.open(e.alice)
    old_sub = e.alice.RpcSyncRegisterForRemoteNotifications(old, watch).phRpcHandle
    kept = [e.print_job(e.bob), e.print_job(e.alice)]
    doc, _ = start_doc(e, e.alice, b"partial")
    held = len(e.surface.open_handles())
    assert held >= 3  # alice's printer handle, her subscription, her document (and others')
    assert e.surface.restart() == held and e.surface.open_handles() == []
    assert len(e.surface.notifier) == 0
    e.server.stop_service(1.0)
    e.server.start_service(2.0)
    assert e.alice.RpcAsyncWritePrinter(doc, b"more", 4).status == Win32.ERROR_INVALID_HANDLE
    assert e.alice.RpcAsyncClosePrinter(old).status == Win32.ERROR_INVALID_HANDLE
    gone = e.alice.RpcSyncRefreshRemoteNotifications(old_sub, watch)
    assert gone.status == 0x80070006  # HRESULT_FROM_WIN32(ERROR_INVALID_HANDLE)
    new = e.open(e.alice)
    assert new != old
    sub = e.alice.RpcSyncRegisterForRemoteNotifications(new, watch).phRpcHandle
    refresh = e.alice.RpcSyncRefreshRemoteNotifications(sub, watch)
    _, info, _ = reply_values(refresh.ppNotifyData)
    job_ids = sorted({d.Id for d in info.aData if d.Type == JOB_NOTIFY_TYPE})
    assert job_ids == kept


# -- a state machine over the model ---------------------------------------------------------------


class CrashMachine(RuleBasedStateMachine):
    """Jobs spooled, printed and cancelled on two printers (one RAW, one EMF), with crashes, clean
    stops and restarts in between; the oracle is kept here, independently of ``fate``."""

    def __init__(self) -> None:
        super().__init__()
        self.e = Estate()
        e = self.e
        assert e.admin.RpcAsyncAddPrinter(None, printer_container("P2"), None, None).status == 0
        self.docs: dict[int, tuple[Client, bytes]] = {}  # job id -> open document's handle
        self.starts: dict[int, int] = {}  # EMF job id -> print starts (no port errors here)
        self.old_handles: list[tuple[Client, bytes]] = []
        self.expected: dict[str, list[tuple[int, int]]] = {}  # printer -> (id, priority) back
        self.expected_lost: set[int] = set()
        self.expected_deleted: set[int] = set()
        self.expected_printing: set[int] = set()
        self.spooled = 0  # records left by every stop so far

    @property
    def server(self):
        return self.e.server

    def tick(self) -> None:
        self.e.t += 1.0

    def live(self, phase: Phase) -> list[int]:
        return sorted(j.job_id for j in self.server.jobs.values() if j.phase is phase)

    @initialize(raw=st.integers(0, 3), emf=st.integers(0, 3))
    def spooled_before(self, raw: int, emf: int) -> None:
        """Some jobs already spooled on each printer, so that stops find work under way."""
        for printer, n in (("P1", raw), ("P2", emf)):
            for _ in range(n):
                self.submit(printer, "bob", True)

    # -- while running ---------------------------------------------------------------------

    @precondition(lambda self: self.server.stopped is None)
    @rule(
        printer=st.sampled_from(["P1", "P2"]),
        client=st.sampled_from(["alice", "bob"]),
        finish=st.booleans(),
    )
    def submit(self, printer: str, client: str, finish: bool) -> None:
        """StartDoc (and a first write); with ``finish``, EndDoc and ClosePrinter too."""
        self.tick()
        c = getattr(self.e, client)
        h = self.e.open(c, printer)
        dt = EMF if printer == "P2" else "RAW"
        r = c.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": "d", "pDatatype": dt}))
        assert r.status == 0, r
        assert c.RpcAsyncWritePrinter(h, b"data", 4).status == 0
        if finish:
            assert c.RpcAsyncEndDocPrinter(h).status == 0
            assert c.RpcAsyncClosePrinter(h).status == 0
        else:
            self.docs[r.pJobId] = (c, h)

    @precondition(lambda self: self.server.stopped is None)
    @rule(data=st.data(), size=st.integers(1, 50))
    def write(self, data: st.DataObject, size: int) -> None:
        open_docs = [j for j in sorted(self.docs) if self.server.jobs[j].phase is Phase.SPOOLING]
        if not open_docs:
            return
        c, h = self.docs[data.draw(st.sampled_from(open_docs))]
        self.tick()
        assert c.RpcAsyncWritePrinter(h, b"x" * size, size).status == 0

    @precondition(lambda self: self.server.stopped is None)
    @rule(data=st.data())
    def end_doc(self, data: st.DataObject) -> None:
        if not self.docs:
            return
        job_id = data.draw(st.sampled_from(sorted(self.docs)))
        c, h = self.docs.pop(job_id)
        self.tick()
        assert c.RpcAsyncEndDocPrinter(h).status == 0
        assert c.RpcAsyncClosePrinter(h).status == 0

    @precondition(lambda self: self.server.stopped is None)
    @rule()
    def start_printing(self) -> None:
        """The scheduler fills each idle port (one per printer) with the job it picks."""
        self.tick()
        for p in self.server.printers.values():
            busy = any(self.server.jobs[j].port is not None for j in p.queue)
            job = None if busy else self.server.next_job(p, self.e.t)
            if job is not None:
                self.server.start_job(job, p.ports[0], self.e.t)
                if job.datatype == EMF:
                    self.starts[job.job_id] = self.starts.get(job.job_id, 0) + 1

    @precondition(lambda self: self.server.stopped is None)
    @rule(pages=st.integers(1, 3))
    def progress(self, pages: int) -> None:
        for job_id in self.live(Phase.PRINTING):
            self.server.job_progress(self.server.jobs[job_id], pages=pages, nbytes=pages)

    @precondition(lambda self: self.server.stopped is None)
    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        printing = self.live(Phase.PRINTING)
        if printing:
            self.tick()
            self.server.job_sent(self.server.jobs[data.draw(st.sampled_from(printing))], self.e.t)

    @precondition(lambda self: self.server.stopped is None)
    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if self.server.jobs:
            job = self.server.jobs[data.draw(st.sampled_from(sorted(self.server.jobs)))]
            self.tick()
            self.server.control_job(job, JobControl.CANCEL, self.e.t)

    @precondition(lambda self: self.server.stopped is None)
    @rule(data=st.data(), priority=st.integers(1, 99), position=st.integers(1, 4))
    def reorder(self, data: st.DataObject, priority: int, position: int) -> None:
        if not self.server.jobs:
            return
        job = self.server.jobs[data.draw(st.sampled_from(sorted(self.server.jobs)))]
        if job.phase is Phase.GONE:
            return
        self.server.set_job_priority(job, priority)
        p = self.server.printers[job.printer_name.lower()]
        self.server.set_job_position(job, min(position, len(p.queue)), self.e.t)

    @precondition(lambda self: self.server.stopped is None)
    @rule(clean=st.booleans())
    def stop(self, clean: bool) -> None:
        """A crash (or a clean stop): write down what must come back, then stop."""
        self.expected, self.expected_lost, self.expected_deleted = {}, set(), set()
        self.starts = {j: n for j, n in self.starts.items() if j in self.server.jobs}
        self.expected_printing = set(self.live(Phase.PRINTING))
        for p in self.server.printers.values():
            back = self.expected.setdefault(p.name, [])
            for job_id in p.queue:
                job = self.server.jobs[job_id]
                if job.phase is Phase.SPOOLING:
                    self.expected_lost.add(job_id)  # mid-spool: lost
                elif job.phase is Phase.DELETING:
                    self.expected_deleted.add(job_id)
                elif self.starts.get(job_id, 0) >= 2:
                    self.expected_lost.add(job_id)  # EMF, printing at two failures
                else:
                    back.append((job_id, job.priority))
        self.old_handles = [(c, h) for c, h in self.docs.values()]
        self.old_handles += [(self.e.alice, self.e.open(self.e.alice))]
        self.docs.clear()
        self.tick()
        self.e.surface.restart()
        self.spooled += len(self.server.stop_service(self.e.t, clean=clean))

    @precondition(lambda self: self.server.stopped is not None)
    @rule()
    def restart(self) -> None:
        self.tick()
        recovery = self.server.start_service(self.e.t)
        back = {n: [j for j, _ in jobs] for n, jobs in self.expected.items()}
        assert {p.name: list(p.queue) for p in self.server.printers.values()} == back
        for jobs in self.expected.values():
            for job_id, priority in jobs:
                assert self.server.jobs[job_id].priority == priority
        restored = set(recovery.recovered) | set(recovery.restarted)
        assert set(recovery.lost) == self.expected_lost
        assert set(recovery.deleted) == self.expected_deleted
        assert not restored & set(recovery.lost)
        assert len(restored) == len(recovery.recovered) + len(recovery.restarted)
        total = len(restored) + len(recovery.lost) + len(recovery.deleted)
        assert total == len(self.expected_lost) + len(self.expected_deleted) + sum(
            len(v) for v in self.expected.values()
        )
        for job_id in restored:
            assert self.server.jobs[job_id].phase is Phase.QUEUED  # none kept here
        assert set(recovery.restarted) == self.expected_printing - self.expected_lost
        for c, h in self.old_handles:
            assert c.RpcAsyncWritePrinter(h, b"z", 1).status == Win32.ERROR_INVALID_HANDLE
        p1 = self.server.printers["p1"]
        new = self.server.create_job(p1, document="n", datatype=None, user="u", machine="m", now=0)
        assert new.job_id == max(restored, default=0) + 1  # left spooling, with no client

    @invariant()
    def every_record_is_accounted_for_once(self) -> None:
        """Each record a stop left became exactly one of: recovered, restarted, lost, deleted."""
        log = self.server.log
        restarted = [e for e in log.of_kind("job.restarted") if e.get("reason") == RESTART_REASON]
        deleted = [e for e in log.of_kind("job.deleted") if e.get("reason") == DELETED_AT_RESTART]
        outcomes = len(log.of_kind("job.recovered", "job.lost")) + len(restarted) + len(deleted)
        waiting = len(self.server.stopped) if self.server.stopped is not None else 0
        assert outcomes + waiting == self.spooled

    @invariant()
    def a_stopped_server_holds_no_job_and_a_running_one_queues_each_once(self) -> None:
        queued = [j for p in self.server.printers.values() for j in p.queue]
        if self.server.stopped is not None:
            assert queued == [] and self.server.jobs == {}
        else:
            assert sorted(queued) == sorted(self.server.jobs)


TestCrashMachine = CrashMachine.TestCase
TestCrashMachine.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
