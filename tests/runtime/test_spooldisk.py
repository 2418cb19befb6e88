"""The real spool directory (spoolsim.runtime.spooldisk): every spooled job is on disk before
EndDoc answers, comes back after a "crash" (a fresh estate on the same directory) with its id,
priority, queue order, state and named properties, is removed once printed, and a torn or
altered pair is quarantined with a message while the rest load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spoolsim.model.constants import Access, JobControl, JobStatus
from spoolsim.rpc import Client, Container
from spoolsim.rpc.jobprops import PrintNamedProperty, PrintPropertyValue
from spoolsim.runtime.spooldisk import JOURNAL, QUARANTINE, SpoolDisk
from spoolsim.wire.shadow import decode
from tests.rpc.estate import Estate


def spool(estate: Estate, client: Client, document: str, data: bytes) -> int:
    h = estate.open(client)
    job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": document})).pJobId
    assert client.RpcAsyncWritePrinter(h, data, len(data)).status == 0
    assert client.RpcAsyncEndDocPrinter(h).status == 0
    client.RpcAsyncClosePrinter(h)
    return job


def restart(path: Path) -> tuple[Estate, SpoolDisk, object]:
    """A new process: the same configuration, an empty memory, the same directory."""
    estate = Estate()
    disk = SpoolDisk(path, estate.server)
    return estate, disk, disk.recover(0.0)


@pytest.fixture
def first(tmp_path: Path) -> tuple[Estate, SpoolDisk]:
    estate, disk, found = restart(tmp_path)
    assert found.restored == () and found.quarantined == ()
    return estate, disk


def test_a_spooled_job_is_on_disk_when_end_doc_answers(first, tmp_path) -> None:
    estate, _ = first
    job = spool(estate, estate.alice, "memo", b"page one\f")
    fields = decode((tmp_path / f"{job:05d}.SHD").read_bytes())
    assert (tmp_path / f"{job:05d}.SPL").read_bytes() == b"page one\f"
    assert fields["document"] == "memo" and fields["user"] == "alice"
    assert fields["data_size"] == 9 and fields["position"] == 1
    assert not list(tmp_path.glob("*.tmp"))


def test_jobs_come_back_with_ids_priorities_order_state_and_properties(first, tmp_path) -> None:
    estate, _ = first
    a = spool(estate, estate.alice, "a", b"A\f")
    b = spool(estate, estate.bob, "b", b"B\f")
    c = spool(estate, estate.alice, "c", b"C\f")
    admin_h = estate.open(estate.admin, access=Access.PRINTER_ACCESS_ADMINISTER)
    assert estate.admin.RpcAsyncSetJob(admin_h, b, None, JobControl.PAUSE).status == 0
    prop = PrintNamedProperty("colour", PrintPropertyValue(1, "blue"))
    assert estate.alice.RpcAsyncSetJobNamedProperty(estate.open(estate.alice), a, prop).ok

    again, _, found = restart(tmp_path)
    assert found.restored == (a, b, c) and found.lost == () and found.finished == 0
    p1 = again.server.printers["p1"]
    assert p1.queue == [a, b, c]
    jobs = again.server.jobs
    assert [jobs[j].document for j in (a, b, c)] == ["a", "b", "c"]
    assert bytes(jobs[c].data) == b"C\f" and jobs[b].user == "bob"
    assert jobs[b].status & JobStatus.PAUSED and not jobs[a].status & JobStatus.PAUSED
    assert jobs[a].properties["colour"] == prop
    later = spool(again, again.alice, "d", b"D\f")
    assert later == c + 1  # ids continue after the highest restored one


def test_a_printed_job_leaves_the_disk_and_the_journal_says_so(first, tmp_path) -> None:
    estate, _ = first
    job_id = spool(estate, estate.alice, "done", b"x\f")
    server, job = estate.server, estate.server.jobs[job_id]
    server.start_job(job, "LPT1:", 1.0)
    server.job_sent(job, 2.0)
    assert not list(tmp_path.glob("*.SHD")) and not list(tmp_path.glob("*.SPL"))
    (line,) = (tmp_path / JOURNAL).read_text().splitlines()
    assert json.loads(line) | {"t": 0} == {
        "event": "printed", "job": job_id, "document": "done", "sequence": 1, "t": 0
    }  # fmt: skip
    assert restart(tmp_path)[2].restored == ()


def test_a_pair_the_journal_committed_is_cleared_not_printed_again(first, tmp_path) -> None:
    estate, _ = first
    job_id = spool(estate, estate.alice, "twice?", b"x\f")
    saved = {p.name: p.read_bytes() for p in tmp_path.glob("0*")}
    server, job = estate.server, estate.server.jobs[job_id]
    server.start_job(job, "LPT1:", 1.0)
    server.job_sent(job, 2.0)
    for name, data in saved.items():  # the crash came after the journal line, before the unlink
        (tmp_path / name).write_bytes(data)
    _, _, found = restart(tmp_path)
    assert found.restored == () and found.finished == 1
    assert not list(tmp_path.glob("*.SHD"))


@pytest.mark.parametrize(
    ("damage", "why"),
    [
        (
            lambda d, s: (d / f"{s}.SHD").write_bytes((d / f"{s}.SHD").read_bytes()[:-9]),
            "truncated",
        ),
        (lambda d, s: (d / f"{s}.SPL").write_bytes(b"tampered"), "does not match"),
        (lambda d, s: (d / f"{s}.SHD").unlink(), "no shadow file"),
        (lambda d, s: (d / f"{s}.SPL").unlink(), "is missing"),
    ],
)
def test_a_damaged_pair_is_quarantined_and_the_others_load(first, tmp_path, damage, why) -> None:
    estate, _ = first
    good = spool(estate, estate.alice, "good", b"fine\f")
    bad = spool(estate, estate.alice, "bad", b"doomed\f")
    damage(tmp_path, f"{bad:05d}")
    again, _, found = restart(tmp_path)
    assert found.restored == (good,)
    (message,) = found.quarantined
    assert why in message and f"{bad:05d}" in message
    assert why in (tmp_path / QUARANTINE / f"{bad:05d}.why").read_text()
    assert [e.subject for e in again.server.log.of_kind("spool.quarantined")] == [f"{bad:05d}"]
