"""The IPP operations of the print server (RFC 8011), driven in-process through the real codec.

Each request is built with :mod:`spoolsim.wire.ipp`'s builders and encoded to bytes; the service
answers bytes, which are decoded again, so every reply here is what a client would read off the
wire. The estate is the model driven directly (no runtime): a job prints when the test says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import hypothesis.strategies as st
import pytest
from hypothesis import given

from spoolsim.model.constants import Access, JobControl, PrinterAttributes, PrinterStatus
from spoolsim.model.security import Principal, admin, user
from spoolsim.net.ippattributes import OPERATIONS
from spoolsim.net.ippservice import Caller, IppService
from spoolsim.rpc import Client, Container, Surface
from spoolsim.wire import ipp
from spoolsim.wire.ipp import Attribute, Group, Message, Op, Status, Tag
from tests.metrics import estate

HOST = "printsrv.example:631"
URI = f"ipp://{HOST}/printers/Laser1/.printer"
ALICE = user("alice")
BOB = user("bob")
BOSS = admin("boss")
ANONYMOUS = None  # a Caller without a principal: acts as its requesting-user-name
PENDING, PROCESSING, CANCELED, COMPLETED = 3, 5, 7, 9


def request(
    op: int,
    *attributes: Attribute,
    uri: str | None = URI,
    job: Sequence[Attribute] = (),
    data: bytes = b"",
    version: tuple[int, int] = (1, 1),
    request_id: int = 7,
) -> bytes:
    """An encoded request: charset, language, printer-uri (unless None), then ``attributes``."""
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
    ]
    if uri is not None:
        operation.append(ipp.uri("printer-uri", uri))
    operation += attributes
    groups = [Group(Tag.OPERATION, operation)]
    if job:
        groups.append(Group(Tag.JOB, job))
    return ipp.encode(Message(version, op, request_id, groups, data))


def status(reply: Message) -> Status:
    return Status(reply.code)


def said(reply: Message) -> str:
    """The reply's status and status-message, for assertion messages."""
    message = reply.operation_attribute("status-message")
    return f"{status(reply).keyword}: {message.value if message else ''}"


def job_id_of(reply: Message) -> int:
    attr = reply.attribute(Tag.JOB, "job-id")
    assert attr is not None, said(reply)
    return int(attr.value)


def jobs_of(reply: Message) -> list[dict[str, tuple[object, ...]]]:
    """Get-Jobs' job groups, each as {name: values}."""
    return [{a.name: a.py for a in g.attributes} for g in reply.groups_of(Tag.JOB)]


class Estate:
    """A print server with two shared lasers, its method surface and its IPP service."""

    def __init__(self, *, history: int = 500) -> None:
        self.t = 0.0
        self.server = estate.server()
        for name, host in (("Laser1", "laser1"), ("Laser2", "laser2")):
            printer = estate.laser(self.server, name, host)
            printer.attributes |= PrinterAttributes.SHARED
        self.surface = Surface(self.server, clock=lambda: self.t)
        self.service = IppService(self.server, self.surface, history=history)

    @property
    def laser(self):
        return self.server.printer("Laser1")

    def send(self, body: bytes, who: Principal | None = ALICE, host: str = HOST) -> Message:
        """Hand ``body`` to the service as ``who``; the reply, decoded."""
        return ipp.decode(self.service.handle(body, Caller(who, host), self.t))

    def call(self, op: int, *attributes: Attribute, who: Principal | None = ALICE, **kw) -> Message:
        return self.send(request(op, *attributes, **kw), who)

    def print_job(
        self, *attributes: Attribute, data: bytes = b"hello", who: Principal | None = ALICE
    ) -> int:
        """A Print-Job that must succeed; its job-id."""
        reply = self.call(Op.PRINT_JOB, *attributes, who=who, data=data)
        assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
        return job_id_of(reply)

    def finish(self, job_id: int) -> None:
        """Print the job as the runtime would: a port takes it, then sends the whole of it."""
        job = self.server.jobs[job_id]
        self.t += 1
        estate.start(self.server, job, self.t)
        self.t += 1
        self.server.job_sent(job, self.t)

    def rpc_jobs(self, who: Principal = ALICE) -> list[dict[str, object]]:
        """RpcAsyncEnumJobs (JOB_INFO_2) of Laser1, as an RPC client sees the queue."""
        client = Client(self.surface, who)
        opened = client.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_USE)
        assert opened.status == 0, opened
        try:
            code, jobs = client.fetch(
                "RpcAsyncEnumJobs", opened.pHandle, 0, 100, family="JOB_INFO", level=2, out="pJob"
            )
        finally:
            client.RpcAsyncClosePrinter(opened.pHandle)
        assert code == 0
        return jobs

    def rpc_print(self, who: Principal, document: str, data: bytes) -> int:
        """A job submitted over RPC: OpenPrinter, StartDoc, WritePrinter, EndDoc, ClosePrinter."""
        client = Client(self.surface, who)
        handle = client.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_USE).pHandle
        started = client.RpcAsyncStartDocPrinter(handle, Container(1, {"pDocName": document}))
        assert started.status == 0, started
        assert client.RpcAsyncWritePrinter(handle, data, len(data)).status == 0
        assert client.RpcAsyncEndDocPrinter(handle).status == 0
        client.RpcAsyncClosePrinter(handle)
        return started.pJobId


@pytest.fixture
def e() -> Estate:
    return Estate()


def job_id(n: int) -> Attribute:
    return ipp.integer("job-id", n)


def name(value: str) -> Attribute:
    return ipp.name("requesting-user-name", value)


def fmt(value: str) -> Attribute:
    return ipp.mime("document-format", value)


# -- Print-Job -------------------------------------------------------------------------------------


def test_print_job_puts_the_job_in_the_spoolers_queue(e: Estate) -> None:
    reply = e.call(
        Op.PRINT_JOB, fmt("text/plain"), ipp.name("job-name", "memo"), data=b"Dear Bob,\r\n"
    )

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert reply.version == (1, 1) and reply.request_id == 7
    n = job_id_of(reply)
    job = e.server.jobs[n]  # the job-id is the spooler's JobId
    assert (job.document, job.user, job.datatype) == ("memo", "alice", "TEXT")
    assert bytes(job.data) == b"Dear Bob,\r\n"
    assert e.laser.queue == [n]
    group = reply.group(Tag.JOB)
    assert group is not None
    assert group.get("job-uri").value == f"{URI}?job={n}"
    assert group.get("job-uri").tag == Tag.URI
    assert group.get("job-state").tag == Tag.ENUM
    assert group.get("job-state").value == PENDING
    assert group.get("job-state-reasons").py == ("none",)
    (info,) = e.rpc_jobs(BOB)  # RPC clients see the same queue
    assert (info["JobId"], info["pDocument"], info["pUserName"]) == (n, "memo", "alice")
    assert (info["pDatatype"], info["Size"]) == ("TEXT", 11)


def test_octet_stream_and_no_format_are_raw(e: Estate) -> None:
    bare = e.print_job(data=b"\x1b%-12345X@PJL\r\n")
    octets = e.print_job(fmt("application/octet-stream"), data=b"\x00\x01")

    assert e.server.jobs[bare].datatype == "RAW"
    assert e.server.jobs[octets].datatype == "RAW"
    assert e.server.jobs[bare].document == "IPP job"
    assert e.laser.queue == [bare, octets]
    assert octets == bare + 1


def test_an_rpc_job_shows_in_get_jobs(e: Estate) -> None:
    by_rpc = e.rpc_print(BOB, "budget.xlsx", b"x" * 2000)
    by_ipp = e.print_job()

    reply = e.call(Op.GET_JOBS, ipp.keyword("requested-attributes", "all"))

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    jobs = jobs_of(reply)
    assert [j["job-id"] for j in jobs] == [(by_rpc,), (by_ipp,)]
    assert jobs[0]["job-name"] == ("budget.xlsx",)
    assert jobs[0]["job-originating-user-name"] == ("bob",)
    assert jobs[0]["job-k-octets"] == (2,)
    assert jobs[0]["job-state"] == (PENDING,)
    assert jobs[1]["number-of-intervening-jobs"] == (1,)


def test_an_anonymous_caller_prints_as_its_requesting_user_name(e: Estate) -> None:
    n = e.print_job(who=ANONYMOUS)
    assert e.server.jobs[n].user == "anonymous"  # no requesting-user-name
    reply = e.call(Op.PRINT_JOB, name("carol"), who=ANONYMOUS, data=b"x")
    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert e.server.jobs[job_id_of(reply)].user == "carol"


# -- Validate-Job ----------------------------------------------------------------------------------


def test_validate_job_creates_nothing(e: Estate) -> None:
    reply = e.call(Op.VALIDATE_JOB, fmt("text/plain"), job=[ipp.integer("copies", 1)])

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert reply.group(Tag.JOB) is None
    assert e.server.jobs == {} and e.laser.queue == []


def test_validate_job_lets_go_of_the_printer_handle(e: Estate) -> None:
    before = len(e.surface.open_handles())

    for _ in range(3):
        assert status(e.call(Op.VALIDATE_JOB)) is Status.SUCCESSFUL_OK

    assert len(e.surface.open_handles()) == before


def test_unsupported_template_values_are_ignored_and_listed(e: Estate) -> None:
    reply = e.call(
        Op.VALIDATE_JOB, job=[ipp.integer("copies", 2), ipp.keyword("sides", "one-sided")]
    )

    assert status(reply) is Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES, said(reply)
    unsupported = reply.group(Tag.UNSUPPORTED_GROUP)
    assert unsupported is not None
    assert [(a.name, a.py) for a in unsupported.attributes] == [("copies", (2,))]

    printed = e.call(Op.PRINT_JOB, job=[ipp.integer("copies", 2)], data=b"x")
    assert status(printed) is Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES
    assert job_id_of(printed) in e.server.jobs
    assert printed.attribute(Tag.UNSUPPORTED_GROUP, "copies").py == (2,)


def test_fidelity_true_refuses_unsupported_template_values(e: Estate) -> None:
    for op in (Op.VALIDATE_JOB, Op.PRINT_JOB):
        reply = e.call(
            op,
            ipp.boolean("ipp-attribute-fidelity", True),
            job=[ipp.integer("copies", 2)],
            data=b"x",
        )
        assert status(reply) is Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, said(reply)
        assert reply.attribute(Tag.UNSUPPORTED_GROUP, "copies").py == (2,)
    assert e.server.jobs == {}

    loose = e.call(
        Op.VALIDATE_JOB,
        ipp.boolean("ipp-attribute-fidelity", False),
        job=[ipp.integer("copies", 2)],
    )
    assert status(loose) is Status.SUCCESSFUL_OK_IGNORED_OR_SUBSTITUTED_ATTRIBUTES


def test_unsupported_document_format_and_compression(e: Estate) -> None:
    for op in (Op.VALIDATE_JOB, Op.PRINT_JOB, Op.CREATE_JOB):
        reply = e.call(op, fmt("image/x-unheard-of"), data=b"x")
        assert status(reply) is Status.CLIENT_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, said(reply)
        assert reply.attribute(Tag.UNSUPPORTED_GROUP, "document-format").py == (
            "image/x-unheard-of",
        )
        gz = e.call(op, ipp.keyword("compression", "gzip"), data=b"x")
        assert status(gz) is Status.CLIENT_ERROR_COMPRESSION_NOT_SUPPORTED, said(gz)
        assert gz.attribute(Tag.UNSUPPORTED_GROUP, "compression").py == ("gzip",)
    none = e.call(Op.VALIDATE_JOB, ipp.keyword("compression", "none"))
    assert status(none) is Status.SUCCESSFUL_OK
    assert e.server.jobs == {}


# -- Create-Job and Send-Document ------------------------------------------------------------------


def test_create_job_then_two_send_documents_make_one_job(e: Estate) -> None:
    created = e.call(Op.CREATE_JOB, ipp.name("job-name", "two parts"))
    assert status(created) is Status.SUCCESSFUL_OK, said(created)
    n = job_id_of(created)
    assert created.attribute(Tag.JOB, "job-state").value == PROCESSING
    assert created.attribute(Tag.JOB, "job-state-reasons").py == ("job-incoming",)
    assert e.laser.queue == [n]

    first = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", False), data=b"one ")
    assert status(first) is Status.SUCCESSFUL_OK, said(first)
    assert first.attribute(Tag.JOB, "job-state").value == PROCESSING
    last = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", True), data=b"two")
    assert status(last) is Status.SUCCESSFUL_OK, said(last)
    assert job_id_of(last) == n
    assert last.attribute(Tag.JOB, "job-state").value == PENDING

    assert list(e.server.jobs) == [n]
    assert bytes(e.server.jobs[n].data) == b"one two"
    assert e.server.jobs[n].document == "two parts"
    (info,) = e.rpc_jobs()
    assert (info["JobId"], info["Size"]) == (n, 7)


def test_send_document_needs_last_document(e: Estate) -> None:
    n = job_id_of(e.call(Op.CREATE_JOB))

    missing = e.call(Op.SEND_DOCUMENT, job_id(n), data=b"x")
    wrong = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.keyword("last-document", "true"), data=b"x")

    assert status(missing) is Status.CLIENT_ERROR_BAD_REQUEST, said(missing)
    assert status(wrong) is Status.CLIENT_ERROR_BAD_REQUEST, said(wrong)
    assert bytes(e.server.jobs[n].data) == b""
    done = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", True), data=b"ok")
    assert status(done) is Status.SUCCESSFUL_OK, said(done)


def test_send_document_by_another_user_is_refused(e: Estate) -> None:
    n = job_id_of(e.call(Op.CREATE_JOB))
    last = ipp.boolean("last-document", True)

    refused = e.call(Op.SEND_DOCUMENT, job_id(n), last, who=BOB, data=b"evil")
    stranger = e.call(Op.SEND_DOCUMENT, job_id(n), last, name("mallory"), who=ANONYMOUS, data=b"!")

    assert status(refused) is Status.CLIENT_ERROR_NOT_AUTHORIZED, said(refused)
    assert 0x0400 <= stranger.code < 0x0500, said(stranger)
    assert bytes(e.server.jobs[n].data) == b""
    ok = e.call(Op.SEND_DOCUMENT, job_id(n), last, data=b"mine")
    assert status(ok) is Status.SUCCESSFUL_OK, said(ok)
    assert bytes(e.server.jobs[n].data) == b"mine"


def test_send_document_to_an_unknown_or_finished_job(e: Estate) -> None:
    last = ipp.boolean("last-document", True)
    unknown = e.call(Op.SEND_DOCUMENT, job_id(4242), last, data=b"x")
    assert status(unknown) is Status.CLIENT_ERROR_NOT_FOUND, said(unknown)

    queued = e.print_job()
    again = e.call(Op.SEND_DOCUMENT, job_id(queued), last, data=b"x")
    assert status(again) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(again)

    e.finish(queued)
    assert queued not in e.server.jobs
    after = e.call(Op.SEND_DOCUMENT, job_id(queued), last, data=b"x")
    assert status(after) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(after)

    sent = job_id_of(e.call(Op.CREATE_JOB))
    assert status(e.call(Op.SEND_DOCUMENT, job_id(sent), last, data=b"a")) is Status.SUCCESSFUL_OK
    twice = e.call(Op.SEND_DOCUMENT, job_id(sent), last, data=b"b")
    assert status(twice) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(twice)
    assert bytes(e.server.jobs[sent].data) == b"a"


def test_send_document_to_a_job_an_operator_cancelled_meanwhile(e: Estate) -> None:
    # RFC 3196 3.1.3.2.1: server-error-job-canceled, the job was cancelled by an operator while
    # the client was sending its data.
    n = job_id_of(e.call(Op.CREATE_JOB))
    boss = Client(e.surface, BOSS)
    handle = boss.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_ADMINISTER)
    assert boss.RpcAsyncSetJob(handle.pHandle, n, None, JobControl.DELETE).status == 0
    boss.RpcAsyncClosePrinter(handle.pHandle)

    reply = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", True), data=b"x")

    assert status(reply) is Status.SERVER_ERROR_JOB_CANCELED, said(reply)
    assert n not in e.server.jobs
    assert e.surface.open_handles() == []


def test_send_document_needs_a_job_id(e: Estate) -> None:
    reply = e.call(Op.SEND_DOCUMENT, ipp.boolean("last-document", True))
    as_text = e.call(
        Op.SEND_DOCUMENT, ipp.keyword("job-id", "1"), ipp.boolean("last-document", True)
    )

    assert status(reply) is Status.CLIENT_ERROR_BAD_REQUEST, said(reply)
    assert status(as_text) is Status.CLIENT_ERROR_BAD_REQUEST, said(as_text)


# -- Cancel-Job ------------------------------------------------------------------------------------


def test_the_owner_cancels_a_queued_job(e: Estate) -> None:
    n = e.print_job()

    reply = e.call(Op.CANCEL_JOB, job_id(n))

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert n not in e.server.jobs and e.laser.queue == []
    assert e.rpc_jobs() == []
    attrs_ = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))
    assert status(attrs_) is Status.SUCCESSFUL_OK, said(attrs_)
    assert attrs_.attribute(Tag.JOB, "job-state").value == CANCELED


def test_others_may_not_cancel_a_queued_job(e: Estate) -> None:
    n = e.print_job()

    by_bob = e.call(Op.CANCEL_JOB, job_id(n), who=BOB)
    by_stranger = e.call(Op.CANCEL_JOB, job_id(n), name("mallory"), who=ANONYMOUS)
    by_nameless = e.call(Op.CANCEL_JOB, job_id(n), who=ANONYMOUS)

    assert status(by_bob) is Status.CLIENT_ERROR_NOT_AUTHORIZED, said(by_bob)
    assert status(by_stranger) is Status.CLIENT_ERROR_NOT_AUTHENTICATED, said(by_stranger)
    assert status(by_nameless) is Status.CLIENT_ERROR_NOT_AUTHENTICATED, said(by_nameless)
    assert "ERROR_ACCESS_DENIED" in said(by_bob)
    assert e.laser.queue == [n]
    by_boss = e.call(Op.CANCEL_JOB, job_id(n), who=BOSS)
    assert status(by_boss) is Status.SUCCESSFUL_OK, said(by_boss)
    assert e.laser.queue == []


def test_an_anonymous_owner_cancels_its_own_job(e: Estate) -> None:
    n = e.print_job(who=ANONYMOUS)  # without a name: the job is "anonymous"'s, and so is the cancel
    reply = e.call(Op.CANCEL_JOB, job_id(n), who=ANONYMOUS)

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert e.laser.queue == []


def test_cancel_a_job_still_being_sent(e: Estate) -> None:
    n = job_id_of(e.call(Op.CREATE_JOB))
    last = ipp.boolean("last-document", False)
    assert status(e.call(Op.SEND_DOCUMENT, job_id(n), last, data=b"part")) is Status.SUCCESSFUL_OK
    handles = len(e.surface.open_handles())

    reply = e.call(Op.CANCEL_JOB, job_id(n))

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert n not in e.server.jobs and e.laser.queue == []
    assert len(e.surface.open_handles()) == handles - 1
    state = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))
    assert state.attribute(Tag.JOB, "job-state").value == CANCELED
    late = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", True), data=b"x")
    assert status(late) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(late)


def test_others_may_not_cancel_a_job_still_being_sent(e: Estate) -> None:
    n = job_id_of(e.call(Op.CREATE_JOB))

    by_bob = e.call(Op.CANCEL_JOB, job_id(n), who=BOB)
    by_stranger = e.call(Op.CANCEL_JOB, job_id(n), name("mallory"), who=ANONYMOUS)

    assert status(by_bob) is Status.CLIENT_ERROR_NOT_AUTHORIZED, said(by_bob)
    assert status(by_stranger) is Status.CLIENT_ERROR_NOT_AUTHENTICATED, said(by_stranger)
    assert n in e.server.jobs
    done = e.call(Op.SEND_DOCUMENT, job_id(n), ipp.boolean("last-document", True), data=b"x")
    assert status(done) is Status.SUCCESSFUL_OK, said(done)


def test_a_job_still_being_sent_is_cancelled_only_through_its_printer(e: Estate) -> None:
    n = job_id_of(e.call(Op.CREATE_JOB))

    wrong = e.call(Op.CANCEL_JOB, job_id(n), uri=URI.replace("Laser1", "Laser2"))

    assert status(wrong) is Status.CLIENT_ERROR_NOT_FOUND, said(wrong)
    assert n in e.server.jobs


def test_cancel_a_completed_or_unknown_job(e: Estate) -> None:
    n = e.print_job()
    e.finish(n)

    done = e.call(Op.CANCEL_JOB, job_id(n))
    unknown = e.call(Op.CANCEL_JOB, job_id(999))
    elsewhere = e.call(Op.CANCEL_JOB, job_id(e.print_job()), uri=URI.replace("Laser1", "Laser2"))

    assert status(done) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(done)
    assert "completed" in said(done)
    assert status(unknown) is Status.CLIENT_ERROR_NOT_FOUND, said(unknown)
    assert status(elsewhere) is Status.CLIENT_ERROR_NOT_FOUND, said(elsewhere)


def test_cancel_a_job_being_printed(e: Estate) -> None:
    # RFC 8011 4.3.3: a processing job stays processing with processing-to-stop-point until it
    # stops; a second Cancel-Job is then client-error-not-possible.
    n = e.print_job()
    e.t = 1.0
    estate.start(e.server, e.server.jobs[n], e.t)

    first = e.call(Op.CANCEL_JOB, job_id(n))
    stopping = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))
    second = e.call(Op.CANCEL_JOB, job_id(n))
    e.t = 2.0
    e.server.job_sent(e.server.jobs[n], e.t)  # the port monitor lets go
    gone = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))

    assert status(first) is Status.SUCCESSFUL_OK, said(first)
    assert stopping.attribute(Tag.JOB, "job-state").value == PROCESSING
    assert "processing-to-stop-point" in stopping.attribute(Tag.JOB, "job-state-reasons").py
    assert status(second) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(second)
    assert gone.attribute(Tag.JOB, "job-state").value == CANCELED
    assert n not in e.server.jobs


def test_a_printer_being_deleted_takes_no_jobs(e: Estate) -> None:
    queued = e.print_job()
    e.server.delete_printer(e.laser, 1.0)  # pending until its queue empties

    refused = e.call(Op.PRINT_JOB, data=b"x")

    assert status(refused) is Status.SERVER_ERROR_NOT_ACCEPTING_JOBS, said(refused)
    assert e.laser.queue == [queued]


# -- completed jobs --------------------------------------------------------------------------------


def test_completed_jobs_stay_visible(e: Estate) -> None:
    e.t = 10.0
    n = e.print_job(data=b"x" * 3000)
    e.finish(n)  # started at 11, sent at 12
    pending = e.print_job()

    completed = e.call(
        Op.GET_JOBS,
        ipp.keyword("which-jobs", "completed"),
        ipp.keyword("requested-attributes", "all"),
    )
    assert status(completed) is Status.SUCCESSFUL_OK, said(completed)
    (job,) = jobs_of(completed)
    assert job["job-id"] == (n,)
    assert job["job-state"] == (COMPLETED,)
    assert job["job-state-reasons"] == ("job-completed-successfully",)
    assert job["job-k-octets"] == (3,)
    assert job["time-at-creation"] == (11,)  # printer-up-time is simulated seconds + 1
    assert job["time-at-processing"] == (12,)
    assert job["time-at-completed"] == (13,)

    default = e.call(Op.GET_JOBS)  # not-completed
    assert [j["job-id"] for j in jobs_of(default)] == [(pending,)]
    every = e.call(Op.GET_JOBS, ipp.keyword("which-jobs", "all"))
    assert sorted(j["job-id"][0] for j in jobs_of(every)) == [n, pending]

    one = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))
    assert status(one) is Status.SUCCESSFUL_OK, said(one)
    assert one.attribute(Tag.JOB, "job-state").value == COMPLETED
    completed_at = one.attribute(Tag.JOB, "time-at-completed")
    assert completed_at.tag == Tag.INTEGER and completed_at.value == 13


def test_the_history_is_bounded() -> None:
    e = Estate(history=2)
    done = []
    for _ in range(3):
        n = e.print_job()
        e.finish(n)
        done.append(n)

    reply = e.call(Op.GET_JOBS, ipp.keyword("which-jobs", "completed"))

    assert [j["job-id"][0] for j in jobs_of(reply)] == [done[2], done[1]]  # newest first
    forgotten = e.call(Op.GET_JOB_ATTRIBUTES, job_id(done[0]))
    assert status(forgotten) is Status.CLIENT_ERROR_NOT_FOUND, said(forgotten)
    kept = e.call(Op.GET_JOB_ATTRIBUTES, job_id(done[1]))
    assert kept.attribute(Tag.JOB, "job-state").value == COMPLETED


def test_get_job_attributes_of_a_live_job(e: Estate) -> None:
    n = e.print_job(ipp.name("job-name", "live"), data=b"x" * 10)
    job = e.server.jobs[n]
    e.t = 2.0
    estate.start(e.server, job, e.t)

    reply = e.call(Op.GET_JOB_ATTRIBUTES, job_id(n))

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    got = {a.name: a for a in reply.group(Tag.JOB).attributes}
    assert got["job-state"].value == PROCESSING
    assert got["job-state-reasons"].py == ("job-printing",)
    assert got["job-name"].py == ("live",)
    assert got["time-at-completed"].tag == Tag.NO_VALUE
    assert got["output-device-assigned"].py == ("IP_laser1",)
    assert got["job-printer-uri"].value == URI
    chosen = e.call(
        Op.GET_JOB_ATTRIBUTES, job_id(n), ipp.keyword("requested-attributes", "job-name")
    )
    assert [a.name for a in chosen.group(Tag.JOB).attributes] == ["job-name"]


# -- Get-Jobs --------------------------------------------------------------------------------------


def test_get_jobs_defaults_to_job_uri_and_job_id(e: Estate) -> None:
    first, second = e.print_job(), e.print_job()

    reply = e.call(Op.GET_JOBS)

    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert [[a.name for a in g.attributes] for g in reply.groups_of(Tag.JOB)] == [
        ["job-uri", "job-id"],
        ["job-uri", "job-id"],
    ]
    assert [j["job-uri"] for j in jobs_of(reply)] == [
        (f"{URI}?job={first}",),
        (f"{URI}?job={second}",),
    ]


def test_get_jobs_requested_attributes(e: Estate) -> None:
    e.print_job()

    every = e.call(Op.GET_JOBS, ipp.keyword("requested-attributes", "all"))
    some = e.call(Op.GET_JOBS, ipp.keyword("requested-attributes", "job-state", "job-name"))

    names = {a.name for a in every.group(Tag.JOB).attributes}
    assert {"job-uri", "job-id", "job-state", "job-name", "job-originating-user-name"} <= names
    assert {"time-at-creation", "job-printer-up-time", "job-priority"} <= names
    assert [a.name for a in some.group(Tag.JOB).attributes] == ["job-name", "job-state"]


def test_get_jobs_my_jobs_and_limit(e: Estate) -> None:
    mine = [e.print_job(), e.print_job()]
    e.print_job(who=BOB)
    e.print_job(who=ANONYMOUS)  # "anonymous"

    all_jobs = e.call(Op.GET_JOBS)
    just_mine = e.call(Op.GET_JOBS, ipp.boolean("my-jobs", True))
    not_only_mine = e.call(Op.GET_JOBS, ipp.boolean("my-jobs", False))
    limited = e.call(Op.GET_JOBS, ipp.integer("limit", 2))
    anonymous_bob = e.call(Op.GET_JOBS, ipp.boolean("my-jobs", True), name("bob"), who=ANONYMOUS)

    assert len(jobs_of(all_jobs)) == 4 and len(jobs_of(not_only_mine)) == 4
    assert [j["job-id"][0] for j in jobs_of(just_mine)] == mine
    assert [j["job-id"][0] for j in jobs_of(limited)] == mine
    assert len(jobs_of(anonymous_bob)) == 1


def test_get_jobs_with_a_bad_which_jobs(e: Estate) -> None:
    e.print_job()

    reply = e.call(Op.GET_JOBS, ipp.keyword("which-jobs", "yesterday"))

    assert status(reply) is Status.CLIENT_ERROR_ATTRIBUTES_OR_VALUES_NOT_SUPPORTED, said(reply)
    assert reply.attribute(Tag.UNSUPPORTED_GROUP, "which-jobs").py == ("yesterday",)
    assert reply.group(Tag.JOB) is None


@pytest.mark.parametrize(
    "limit", [ipp.keyword("limit", "ten"), ipp.integer("limit", 0), ipp.integer("limit", -1)]
)
def test_get_jobs_with_a_bad_limit_is_a_bad_request(e: Estate, limit: Attribute) -> None:
    # limit is integer(1:MAX); a value of the wrong syntax or out of range is
    # client-error-bad-request (RFC 3196 3.1.2.1.5), not a crash or a silently shorter list.
    e.print_job(), e.print_job()

    reply = e.call(Op.GET_JOBS, limit)

    assert status(reply) is Status.CLIENT_ERROR_BAD_REQUEST, said(reply)


# -- Get-Printer-Attributes ------------------------------------------------------------------------

# RFC 8011 5.4: the REQUIRED Printer attributes, with their syntax.
REQUIRED = {
    "printer-uri-supported": Tag.URI,
    "uri-security-supported": Tag.KEYWORD,
    "uri-authentication-supported": Tag.KEYWORD,
    "printer-name": Tag.NAME,
    "printer-state": Tag.ENUM,
    "printer-state-reasons": Tag.KEYWORD,
    "ipp-versions-supported": Tag.KEYWORD,
    "operations-supported": Tag.ENUM,
    "charset-configured": Tag.CHARSET,
    "charset-supported": Tag.CHARSET,
    "natural-language-configured": Tag.NATURAL_LANGUAGE,
    "generated-natural-language-supported": Tag.NATURAL_LANGUAGE,
    "document-format-default": Tag.MIME_TYPE,
    "document-format-supported": Tag.MIME_TYPE,
    "printer-is-accepting-jobs": Tag.BOOLEAN,
    "queued-job-count": Tag.INTEGER,
    "pdl-override-supported": Tag.KEYWORD,
    "printer-up-time": Tag.INTEGER,
    "compression-supported": Tag.KEYWORD,
}


def printer_attrs(reply: Message) -> dict[str, Attribute]:
    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    group = reply.group(Tag.PRINTER)
    assert group is not None
    return {a.name: a for a in group.attributes}


def test_get_printer_attributes_has_the_required_attributes(e: Estate) -> None:
    e.t = 41.5
    got = printer_attrs(e.send(request(Op.GET_PRINTER_ATTRIBUTES), ALICE, host="web.example:8631"))

    for attribute, tag in REQUIRED.items():
        assert attribute in got, attribute
        assert {v.tag for v in got[attribute].values} == {tag}, attribute
    assert got["printer-uri-supported"].py == ("ipp://web.example:8631/printers/Laser1/.printer",)
    assert got["printer-name"].py == ("Laser1",)
    assert got["printer-state"].py == (3,)
    assert got["printer-state-reasons"].py == ("none",)
    assert got["uri-authentication-supported"].py == ("basic",)
    assert set(got["operations-supported"].py) == {int(op) for op in OPERATIONS}
    required_ops = {Op.PRINT_JOB, Op.VALIDATE_JOB, Op.CANCEL_JOB, Op.GET_JOB_ATTRIBUTES}
    assert required_ops | {Op.GET_JOBS, Op.GET_PRINTER_ATTRIBUTES} <= set(
        got["operations-supported"].py
    )
    assert "text/plain" in got["document-format-supported"].py
    assert got["document-format-default"].py == ("application/octet-stream",)
    assert got["printer-is-accepting-jobs"].py == (True,)
    assert got["queued-job-count"].py == (0,)
    assert got["printer-up-time"].py == (42,)
    assert got["copies-supported"].py == (ipp.Range(1, 1),)
    anonymous = printer_attrs(e.call(Op.GET_PRINTER_ATTRIBUTES, who=ANONYMOUS))
    assert anonymous["uri-authentication-supported"].py == ("requesting-user-name",)


def test_printer_state_follows_the_model(e: Estate) -> None:
    def state() -> tuple[object, ...]:
        got = printer_attrs(
            e.call(
                Op.GET_PRINTER_ATTRIBUTES,
                ipp.keyword("requested-attributes", "printer-state", "queued-job-count"),
            )
        )
        return got["printer-state"].value, got["queued-job-count"].value

    assert state() == (3, 0)
    first, _ = e.print_job(), e.print_job()
    assert state() == (3, 2)  # idle: nothing holds a port yet
    e.t = 1.0
    estate.start(e.server, e.server.jobs[first], e.t)  # a port holds it
    assert state() == (4, 2)
    message = printer_attrs(e.call(Op.GET_PRINTER_ATTRIBUTES))["printer-state-message"]
    assert message.py == ("Printing",)
    e.t = 2.0
    e.server.job_sent(e.server.jobs[first], e.t)
    assert state() == (3, 1)
    e.t = 3.0
    e.server.pause_printer(e.laser, e.t)
    assert state() == (5, 1)
    paused = printer_attrs(e.call(Op.GET_PRINTER_ATTRIBUTES))
    assert paused["printer-state-reasons"].py == ("paused",)
    assert paused["printer-state-message"].py == ("Paused",)


def test_requested_attributes_select_by_name_and_group(e: Estate) -> None:
    named = printer_attrs(
        e.call(
            Op.GET_PRINTER_ATTRIBUTES,
            ipp.keyword("requested-attributes", "printer-name", "media-supported", "no-such"),
        )
    )
    template = printer_attrs(
        e.call(Op.GET_PRINTER_ATTRIBUTES, ipp.keyword("requested-attributes", "job-template"))
    )
    description = printer_attrs(
        e.call(
            Op.GET_PRINTER_ATTRIBUTES, ipp.keyword("requested-attributes", "printer-description")
        )
    )
    everything = printer_attrs(e.call(Op.GET_PRINTER_ATTRIBUTES))

    assert set(named) == {"printer-name", "media-supported"}
    assert {"copies-default", "copies-supported", "media-default", "sides-supported"} <= set(
        template
    )
    assert "printer-name" not in template and "printer-state" not in template
    assert set(REQUIRED) <= set(description)
    assert not {"copies-default", "media-supported"} & set(description)
    assert set(everything) == set(template) | set(description)


# -- Pause-Printer, Resume-Printer, Purge-Jobs -----------------------------------------------------


def test_an_administrator_pauses_resumes_and_purges(e: Estate) -> None:
    queued = [e.print_job(), e.print_job(who=BOB)]
    sending = job_id_of(e.call(Op.CREATE_JOB))

    paused = e.call(Op.PAUSE_PRINTER, who=BOSS)
    assert status(paused) is Status.SUCCESSFUL_OK, said(paused)
    assert e.laser.status & PrinterStatus.PAUSED
    resumed = e.call(Op.RESUME_PRINTER, who=BOSS)
    assert status(resumed) is Status.SUCCESSFUL_OK, said(resumed)
    assert not e.laser.status & PrinterStatus.PAUSED

    assert e.laser.queue == [*queued, sending]
    purged = e.call(Op.PURGE_JOBS, who=BOSS)
    assert status(purged) is Status.SUCCESSFUL_OK, said(purged)
    assert e.laser.queue == [] and e.server.jobs == {}
    assert e.rpc_jobs() == []
    late = e.call(Op.SEND_DOCUMENT, job_id(sending), ipp.boolean("last-document", True))
    assert status(late) is Status.CLIENT_ERROR_NOT_POSSIBLE, said(late)
    assert e.server.printer("Laser2").queue == []


@pytest.mark.parametrize("op", [Op.PAUSE_PRINTER, Op.RESUME_PRINTER, Op.PURGE_JOBS])
def test_only_administrators_control_the_printer(e: Estate, op: Op) -> None:
    n = e.print_job()
    if op is Op.RESUME_PRINTER:
        e.server.pause_printer(e.laser, 0.0)
    before = e.laser.status

    by_alice = e.call(op, who=ALICE)
    by_anonymous = e.call(op, name("boss"), who=ANONYMOUS)

    assert status(by_alice) is Status.CLIENT_ERROR_NOT_AUTHORIZED, said(by_alice)
    assert status(by_anonymous) is Status.CLIENT_ERROR_NOT_AUTHENTICATED, said(by_anonymous)
    assert e.laser.status == before
    assert e.laser.queue == [n]


# -- target resolution -----------------------------------------------------------------------------


def test_a_request_needs_a_printer(e: Estate) -> None:
    missing = e.call(Op.GET_PRINTER_ATTRIBUTES, uri=None)
    unknown = e.call(Op.GET_PRINTER_ATTRIBUTES, uri=f"ipp://{HOST}/printers/Nope/.printer")
    not_a_printer = e.call(Op.GET_PRINTER_ATTRIBUTES, uri=f"ipp://{HOST}/ipp/print")
    scheme = e.call(Op.GET_PRINTER_ATTRIBUTES, uri=f"ftp://{HOST}/printers/Laser1/.printer")

    assert status(missing) is Status.CLIENT_ERROR_BAD_REQUEST, said(missing)
    assert status(unknown) is Status.CLIENT_ERROR_NOT_FOUND, said(unknown)
    assert status(not_a_printer) is Status.CLIENT_ERROR_NOT_FOUND, said(not_a_printer)
    assert status(scheme) is Status.CLIENT_ERROR_URI_SCHEME_NOT_SUPPORTED, said(scheme)


def test_printer_uri_forms(e: Estate) -> None:
    for uri in (
        f"http://{HOST}/printers/Laser1/.printer",
        f"ipps://{HOST}/printers/laser1/.printer",  # printer names are case-insensitive
        f"ipp://{HOST}/printers/Laser1",
        f"ipp://{HOST}/printers/Laser1/",
    ):
        got = printer_attrs(e.call(Op.GET_PRINTER_ATTRIBUTES, uri=uri))
        assert got["printer-name"].py == ("Laser1",), uri


def test_a_job_uri_replaces_printer_uri_and_job_id(e: Estate) -> None:
    created = e.call(Op.CREATE_JOB)
    n = job_id_of(created)
    job_uri = created.attribute(Tag.JOB, "job-uri").value

    sent = e.call(
        Op.SEND_DOCUMENT,
        ipp.uri("job-uri", job_uri),
        ipp.boolean("last-document", True),
        uri=None,
        data=b"via job-uri",
    )
    asked = e.call(Op.GET_JOB_ATTRIBUTES, ipp.uri("job-uri", job_uri), uri=None)
    cancelled = e.call(Op.CANCEL_JOB, ipp.uri("job-uri", job_uri), uri=None)

    assert status(sent) is Status.SUCCESSFUL_OK, said(sent)
    assert status(asked) is Status.SUCCESSFUL_OK, said(asked)
    assert job_id_of(asked) == n
    assert status(cancelled) is Status.SUCCESSFUL_OK, said(cancelled)
    assert e.server.jobs == {}
    no_job = e.call(Op.GET_JOB_ATTRIBUTES, ipp.uri("job-uri", URI), uri=None)
    assert status(no_job) is Status.CLIENT_ERROR_BAD_REQUEST, said(no_job)


@pytest.mark.parametrize(
    "job_uri",
    [
        f"ipp://{HOST}/printers/Laser1/.printer?job=\N{SUPERSCRIPT TWO}",  # isdigit, not int
        "ipp://[printsrv/printers/Laser1/.printer?job=1",  # urlsplit: invalid IPv6 URL
        "ipp://print\N{FULLWIDTH NUMBER SIGN}srv/printers/Laser1/.printer?job=1",  # NFKC netloc
    ],
)
def test_a_malformed_job_uri_is_a_bad_request(e: Estate, job_uri: str) -> None:
    reply = e.call(Op.GET_JOB_ATTRIBUTES, ipp.uri("job-uri", job_uri), uri=None)
    as_printer = e.call(Op.GET_PRINTER_ATTRIBUTES, uri=job_uri.partition("?")[0])

    assert status(reply) is Status.CLIENT_ERROR_BAD_REQUEST, said(reply)
    assert as_printer.code in Status._value2member_map_
    assert status(e.call(Op.GET_PRINTER_ATTRIBUTES)) is Status.SUCCESSFUL_OK


# -- malformed input -------------------------------------------------------------------------------


def still_works(e: Estate) -> None:
    reply = e.call(Op.GET_PRINTER_ATTRIBUTES, request_id=99)
    assert status(reply) is Status.SUCCESSFUL_OK, said(reply)
    assert reply.request_id == 99


def test_truncated_bodies_are_bad_requests(e: Estate) -> None:
    body = request(Op.GET_PRINTER_ATTRIBUTES, request_id=1234)
    for cut in (0, 3, 8, 9, 12, len(body) // 2, len(body) - 1):
        reply = e.send(body[:cut])
        assert status(reply) is Status.CLIENT_ERROR_BAD_REQUEST, (cut, said(reply))
        assert reply.request_id == (1234 if cut >= 8 else 0)
        assert reply.version == (1, 1)
        assert "byte" in said(reply)  # the codec says where
    still_works(e)


def test_garbage_is_a_bad_request(e: Estate) -> None:
    for junk in (b"GET / HTTP/1.1\r\n\r\n", b"\xff" * 64, b"\x01\x01\x00\x0b\x00\x00\x00\x01\x01"):
        reply = e.send(junk)
        assert status(reply) is Status.CLIENT_ERROR_BAD_REQUEST, said(reply)
    still_works(e)


def test_request_rules(e: Estate) -> None:
    zero = e.send(request(Op.GET_PRINTER_ATTRIBUTES, request_id=0))
    version = e.send(request(Op.GET_PRINTER_ATTRIBUTES, version=(0, 0)))
    two = e.send(request(Op.GET_PRINTER_ATTRIBUTES, version=(2, 0)))
    unknown = e.send(request(0x4001))
    hold = e.send(request(Op.HOLD_JOB, job_id(1)))
    no_charset = e.send(
        ipp.encode(Message((1, 1), Op.GET_PRINTER_ATTRIBUTES, 5, [Group(Tag.OPERATION, [])]))
    )

    assert status(zero) is Status.CLIENT_ERROR_BAD_REQUEST, said(zero)
    assert zero.request_id == 0
    assert status(version) is Status.SERVER_ERROR_VERSION_NOT_SUPPORTED, said(version)
    assert version.version == (1, 1)
    assert status(two) is Status.SUCCESSFUL_OK and two.version == (2, 0)
    assert status(unknown) is Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, said(unknown)
    assert "0x4001" in said(unknown)
    assert status(hold) is Status.SERVER_ERROR_OPERATION_NOT_SUPPORTED, said(hold)
    assert status(no_charset) is Status.CLIENT_ERROR_BAD_REQUEST, said(no_charset)
    assert no_charset.request_id == 5
    still_works(e)


VALID = [
    request(Op.PRINT_JOB, fmt("text/plain"), name("alice"), data=b"hello"),
    request(Op.GET_JOBS, ipp.keyword("requested-attributes", "all"), ipp.integer("limit", 5)),
    request(Op.SEND_DOCUMENT, job_id(1), ipp.boolean("last-document", True), data=b"x"),
    request(Op.GET_JOB_ATTRIBUTES, ipp.uri("job-uri", f"{URI}?job=1"), uri=None),
    request(Op.CANCEL_JOB, job_id(1)),
    request(Op.GET_PRINTER_ATTRIBUTES, ipp.keyword("requested-attributes", "job-template")),
]


def check_answers(body: bytes, who: Principal | None) -> None:
    """A fresh estate with one queued job answers ``body`` with a decodable reply, then serves a
    valid request."""
    e = Estate()
    e.print_job()
    reply = e.send(body, who)
    assert reply.code in Status._value2member_map_
    leading = [a.name for a in reply.groups[0].attributes[:2]]
    assert leading == ["attributes-charset", "attributes-natural-language"]
    still_works(e)


TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
TEXTUAL = [ipp.keyword, ipp.uri, ipp.name, ipp.text, ipp.mime]
URI_LIKE = st.builds(
    str.__add__,
    st.sampled_from(
        ["", "ipp://", "http://", "ipp://[", f"{URI}", f"{URI}?job=", f"ipp://{HOST}/"]
    ),
    TEXT,
)
OPERATION_NAMES = (
    "printer-uri",
    "job-uri",
    "job-id",
    "limit",
    "which-jobs",
    "my-jobs",
    "requested-attributes",
    "requesting-user-name",
    "document-format",
    "compression",
    "last-document",
    "ipp-attribute-fidelity",
    "job-name",
)


def any_value(attribute: str) -> st.SearchStrategy[Attribute]:
    """``attribute`` with a value of any common syntax (URIs mostly URI-like)."""
    text = URI_LIKE if attribute.endswith("-uri") else TEXT
    return st.one_of(
        st.builds(lambda build, value: build(attribute, value), st.sampled_from(TEXTUAL), text),
        st.integers(-(2**31), 2**31 - 1).map(lambda n: ipp.integer(attribute, n)),
        st.booleans().map(lambda b: ipp.boolean(attribute, b)),
        st.just(ipp.no_value(attribute)),
    )


@given(
    st.sampled_from(OPERATIONS),
    st.lists(
        st.sampled_from(OPERATION_NAMES).flatmap(any_value),
        max_size=5,
        unique_by=lambda a: a.name,
    ),
    st.sampled_from([ALICE, BOSS, ANONYMOUS]),
)
def test_any_operation_attribute_values_get_a_decodable_reply(
    op: Op, attributes: list[Attribute], who: Principal | None
) -> None:
    targeted = any(a.name in ("printer-uri", "job-uri") for a in attributes)
    check_answers(request(op, *attributes, uri=None if targeted else URI, data=b"x"), who)


@given(st.binary(max_size=200), st.sampled_from([ALICE, ANONYMOUS]))
def test_any_bytes_get_a_decodable_reply(body: bytes, who: Principal | None) -> None:
    check_answers(body, who)


@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=6),
    st.integers(0, 10_000),
    st.sampled_from([ALICE, BOSS, ANONYMOUS]),
)
def test_any_mutation_of_a_valid_request_gets_a_decodable_reply(
    body: bytes, flips: list[tuple[int, int]], cut: int, who: Principal | None
) -> None:
    mutated = bytearray(body)
    for where, byte in flips:
        mutated[where % len(mutated)] = byte
    check_answers(bytes(mutated[:cut]), who)
