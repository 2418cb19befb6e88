"""The Internet Printing pages over a real estate and the real method surface."""

from __future__ import annotations

import html.parser
import json

import pytest

from spoolsim.model import Driver, PrintServer
from spoolsim.model.constants import (
    Access,
    JobStatus,
    PrinterAttributes,
    PrinterStatus,
    Win32,
)
from spoolsim.model.jobs import Phase
from spoolsim.model.security import admin, anonymous, operator, user
from spoolsim.net import html as rendering
from spoolsim.net import pages
from spoolsim.net.pages import (
    ConnectShown,
    Outcome,
    View,
    act,
    job_status_text,
    printer_status_text,
    printer_url,
    printer_view,
    printers_view,
    render_printer,
    render_printers,
    to_json,
)
from spoolsim.rpc import Client, Container, Surface

DRIVER = "Contoso LaserJet PCL6"
SHARED = PrinterAttributes.QUEUED | PrinterAttributes.SHARED
EVIL = '<script>&"x'


class Estate:
    """A server with four shared printers (one with a share name of its own and one named like
    markup) and one that is not shared; clients for an admin, an operator, two users and an
    anonymous visitor."""

    def __init__(self) -> None:
        self.t = 0.0
        self.server = PrintServer(name="PRINTSRV")
        self.server.drivers.add(
            Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "pcl6.gpd", "unidrvui.dll")
        )
        self.surface = Surface(self.server, clock=lambda: self.t)
        self.boss = Client(self.surface, admin("boss"))
        self.op = Client(self.surface, operator("op"))
        self.alice = Client(self.surface, user("alice"))
        self.bob = Client(self.surface, user("bob"))
        self.nobody = Client(self.surface, anonymous())
        self.add("Laser1", pLocation="Floor 2", pComment="Colour, duplex")
        self.add("plotter", pShareName="Plot", pLocation="Basement")
        self.add("Annex Printer", pComment="by the door")
        self.add(EVIL, pLocation="<b>here</b>", pComment="a & b")
        self.add("Private", Attributes=PrinterAttributes.QUEUED)

    def add(self, name: str, **extra: object) -> None:
        info = {
            "pPrinterName": name,
            "pPortName": "LPT1:",
            "pDriverName": DRIVER,
            "pPrintProcessor": "winprint",
            "Attributes": SHARED,
        }
        info.update(extra)
        r = self.boss.RpcAsyncAddPrinter(None, Container(2, info), None, None)
        assert r.status == 0, r
        self.boss.RpcAsyncClosePrinter(r.pHandle)

    def print_job(self, client: Client, printer: str = "Laser1", doc: str = "report", pages=1):
        r = client.RpcAsyncOpenPrinter(printer, None, None, Access.PRINTER_ACCESS_USE)
        assert r.status == 0, r
        h = r.pHandle
        job = client.RpcAsyncStartDocPrinter(h, Container(1, {"pDocName": doc})).pJobId
        for _ in range(pages):
            client.RpcAsyncStartPagePrinter(h)
            client.RpcAsyncWritePrinter(h, b"x" * 100, 100)
            client.RpcAsyncEndPagePrinter(h)
        assert client.RpcAsyncEndDocPrinter(h).status == 0
        client.RpcAsyncClosePrinter(h)
        return job

    def job(self, job_id: int):
        return self.server.jobs.get(job_id)


@pytest.fixture
def estate() -> Estate:
    return Estate()


class Tags(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text, of an HTML document."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str | None]]:
        return [
            a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in wanted.items())
        ]


# -- words -----------------------------------------------------------------------------------------


def test_status_words() -> None:
    assert printer_status_text(0) == "Ready"
    assert printer_status_text(PrinterStatus.PAUSED) == "Paused"
    both = PrinterStatus.PAUSED | PrinterStatus.PAPER_OUT | PrinterStatus.OFFLINE
    assert printer_status_text(both) == "Paused, Offline, Paper Out"
    assert job_status_text(0) == "Queued"
    assert job_status_text(JobStatus.SPOOLING) == "Spooling"
    assert job_status_text(JobStatus.DELETING | JobStatus.PRINTING) == "Deleting, Printing"
    assert job_status_text(JobStatus.PAUSED | JobStatus.ERROR) == "Paused, Error"
    assert job_status_text(JobStatus.PRINTED) == "Printed"


def test_printer_urls_are_percent_encoded() -> None:
    assert printer_url("Laser1") == "/printers/Laser1/"
    assert printer_url("Annex Printer") == "/printers/Annex%20Printer/"
    assert printer_url("a/b?c") == "/printers/a%2Fb%3Fc/"


# -- the list --------------------------------------------------------------------------------------


def test_printers_view_lists_shared_printers_sorted_without_case(estate: Estate) -> None:
    view = printers_view(estate.alice)
    assert view.status == 0 and view.message == ""
    assert [row.name for row in view.printers] == [EVIL, "Annex Printer", "Laser1", "plotter"]
    laser = next(row for row in view.printers if row.name == "Laser1")
    assert (laser.status, laser.location, laser.comment) == ("Ready", "Floor 2", "Colour, duplex")
    assert (laser.jobs, laser.model, laser.url) == (0, DRIVER, "/printers/Laser1/")
    plotter = next(row for row in view.printers if row.name == "plotter")
    assert (plotter.share_name, plotter.url) == ("Plot", "/printers/Plot/")


def test_printers_view_counts_jobs_and_shows_paused(estate: Estate) -> None:
    estate.print_job(estate.alice)
    estate.print_job(estate.bob)
    assert act(estate.boss, "Laser1", "pause").ok
    laser = next(row for row in printers_view(estate.bob).printers if row.name == "Laser1")
    assert (laser.jobs, laser.status, laser.status_code) == (2, "Paused", PrinterStatus.PAUSED)


def test_anonymous_may_list_but_not_open(estate: Estate) -> None:
    assert len(printers_view(estate.nobody).printers) == 4
    view = printer_view(estate.nobody, "Laser1")
    assert view.status == Win32.ERROR_ACCESS_DENIED and view.printer is None
    assert view.message == (
        "ANONYMOUS may not view Laser1: access is denied (ERROR_ACCESS_DENIED, 5)."
    )


# -- a printer -------------------------------------------------------------------------------------


def test_printer_view_properties(estate: Estate) -> None:
    view = printer_view(estate.alice, "Laser1")
    assert view.ok, view.message
    p = view.printer
    assert (p.name, p.share_name, p.server, p.url) == (
        "Laser1",
        "Laser1",
        "\\\\PRINTSRV",
        "/printers/Laser1/",
    )
    assert (p.status, p.location, p.comment, p.model) == (
        "Ready",
        "Floor 2",
        "Colour, duplex",
        DRIVER,
    )
    assert (p.port, p.datatype, p.jobs, p.priority, p.average_ppm) == ("LPT1:", "RAW", 0, 1, None)
    assert p.attributes == ("shared", "queued", "local")
    assert view.jobs == ()


def test_printer_view_by_share_name(estate: Estate) -> None:
    view = printer_view(estate.alice, "Plot")
    assert view.ok and view.printer.name == "plotter" and view.printer.location == "Basement"


def test_printer_view_jobs(estate: Estate) -> None:
    estate.t = 3725.0  # 09:02:05 on the server's first day
    first = estate.print_job(estate.alice, doc="Quarterly <report>", pages=3)
    estate.t = 3800.0
    second = estate.print_job(estate.bob, doc="memo")
    running = estate.job(first)
    estate.t = 3900.0
    estate.server.start_job(running, "LPT1:", estate.t)
    estate.server.job_progress(running, pages=1, nbytes=100)
    assert act(estate.bob, "Laser1", "pause-job", second).ok

    view = printer_view(estate.alice, "Laser1")
    assert view.ok and view.printer.jobs == 2
    a, b = view.jobs
    assert (a.id, a.document, a.owner, a.status, a.pages, a.size) == (
        first,
        "Quarterly <report>",
        "alice",
        "Printing",
        "1 of 3",
        300,
    )
    assert (a.submitted, a.position, a.machine) == ("2026-01-05 09:02:05", 1, "CLIENT")
    assert (b.id, b.owner, b.status, b.pages, b.total_pages, b.pages_printed) == (
        second,
        "bob",
        "Paused",
        "1",
        1,
        0,
    )
    assert b.submitted == "2026-01-05 09:03:20"


def test_spooling_and_queued_jobs(estate: Estate) -> None:
    r = estate.alice.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_USE)
    estate.alice.RpcAsyncStartDocPrinter(r.pHandle, Container(1, {"pDocName": "open"}))
    estate.print_job(estate.bob)
    statuses = [job.status for job in printer_view(estate.bob, "Laser1").jobs]
    assert statuses == ["Spooling", "Queued"]


def test_unknown_and_unshared_printers_are_not_found(estate: Estate) -> None:
    for name in ("NoSuch", "Private", "", "Laser1, Job 1", ",XcvPort LPT1:", "LPT1:, Port"):
        view = printer_view(estate.boss, name)
        assert view.status == Win32.ERROR_INVALID_PRINTER_NAME, name
        assert view.printer is None
        assert f"There is no shared printer named {name!r} on PRINTSRV" in view.message
        assert "(ERROR_INVALID_PRINTER_NAME, 1801)." in view.message


# -- printer actions -------------------------------------------------------------------------------


def test_admin_pauses_and_resumes(estate: Estate) -> None:
    laser = estate.server.printer("Laser1")
    assert act(estate.boss, "Laser1", "pause") == Outcome(0, "Laser1 paused.")
    assert laser.status & PrinterStatus.PAUSED
    assert printer_view(estate.alice, "Laser1").printer.status == "Paused"
    assert act(estate.op, "Laser1", "resume") == Outcome(0, "Laser1 resumed.")
    assert not laser.status & PrinterStatus.PAUSED


def test_user_may_not_pause_and_nothing_changes(estate: Estate) -> None:
    outcome = act(estate.alice, "Laser1", "pause")
    assert outcome.status == Win32.ERROR_ACCESS_DENIED and not outcome.ok
    assert outcome.message == (
        "alice may not pause Laser1: access is denied (ERROR_ACCESS_DENIED, 5)."
    )
    assert estate.server.printer("Laser1").status == PrinterStatus.OK


def test_purge_cancels_every_document(estate: Estate) -> None:
    for client in (estate.alice, estate.bob, estate.alice):
        estate.print_job(client)
    refused = act(estate.bob, "Laser1", "purge")
    assert refused.status == Win32.ERROR_ACCESS_DENIED
    assert "bob may not cancel all documents on Laser1" in refused.message
    assert len(estate.server.printer("Laser1").queue) == 3
    assert act(estate.boss, "Laser1", "purge") == Outcome(0, "All documents on Laser1 cancelled.")
    assert estate.server.printer("Laser1").queue == []
    assert printer_view(estate.alice, "Laser1").jobs == ()


def test_printer_action_by_share_name(estate: Estate) -> None:
    assert act(estate.boss, "Plot", "pause") == Outcome(0, "Plot paused.")
    assert estate.server.printer("plotter").status & PrinterStatus.PAUSED


def test_unknown_action(estate: Estate) -> None:
    outcome = act(estate.boss, "Laser1", "fly")
    assert outcome.status == Win32.ERROR_INVALID_PARAMETER
    assert outcome.message.startswith("Unknown action 'fly': the action field takes one of pause")
    assert outcome.message.endswith("(ERROR_INVALID_PARAMETER, 87).")


def test_action_on_unknown_printer(estate: Estate) -> None:
    outcome = act(estate.boss, "NoSuch", "pause")
    assert outcome.status == Win32.ERROR_INVALID_PRINTER_NAME
    assert "no shared printer named 'NoSuch'" in outcome.message
    assert act(estate.boss, "Private", "pause").status == Win32.ERROR_INVALID_PRINTER_NAME
    assert not estate.server.printer("Private").status & PrinterStatus.PAUSED


def test_every_handle_is_closed(estate: Estate) -> None:
    job = estate.print_job(estate.alice)
    printers_view(estate.alice)
    printer_view(estate.alice, "Laser1")
    printer_view(estate.alice, "Private")
    act(estate.alice, "Laser1", "pause")
    act(estate.alice, "Laser1", "pause-job", job)
    act(estate.bob, "Laser1", "cancel-job", job)
    act(estate.boss, "Private", "purge")
    assert estate.surface.open_handles() == []


# -- job actions -----------------------------------------------------------------------------------


def test_owner_manages_own_job(estate: Estate) -> None:
    job = estate.print_job(estate.alice)
    assert act(estate.alice, "Laser1", "pause-job", job) == Outcome(0, f"Job {job} paused.")
    assert estate.job(job).status & JobStatus.PAUSED
    assert act(estate.alice, "Laser1", "resume-job", str(job)) == Outcome(0, f"Job {job} resumed.")
    assert not estate.job(job).status & JobStatus.PAUSED
    assert act(estate.alice, "Laser1", "restart-job", job) == Outcome(0, f"Job {job} restarted.")
    assert estate.job(job).status & JobStatus.RESTART
    assert act(estate.alice, "Laser1", "cancel-job", job) == Outcome(0, f"Job {job} cancelled.")
    assert estate.job(job) is None


def test_other_user_may_not_touch_a_job(estate: Estate) -> None:
    job = estate.print_job(estate.alice)
    for action, verb in (("pause-job", "pause"), ("cancel-job", "cancel")):
        outcome = act(estate.bob, "Laser1", action, job)
        assert outcome.status == Win32.ERROR_ACCESS_DENIED
        assert outcome.message == (
            f"bob may not {verb} job {job} on Laser1: access is denied (ERROR_ACCESS_DENIED, 5)."
        )
    assert estate.job(job).status == JobStatus.QUEUED


def test_admin_and_operator_manage_anyones_job(estate: Estate) -> None:
    first, second = estate.print_job(estate.alice), estate.print_job(estate.bob)
    assert act(estate.op, "Laser1", "pause-job", first).ok
    assert act(estate.boss, "Laser1", "cancel-job", second).ok
    assert estate.job(first).status & JobStatus.PAUSED and estate.job(second) is None


def test_cancel_while_printing_shows_deleting(estate: Estate) -> None:
    job = estate.print_job(estate.alice, pages=2)
    estate.t = 1.0
    estate.server.start_job(estate.job(job), "LPT1:", estate.t)
    assert act(estate.alice, "Laser1", "cancel-job", job).ok
    assert estate.job(job).phase is Phase.DELETING
    (row,) = printer_view(estate.alice, "Laser1").jobs
    assert row.status == "Deleting, Printing"


def test_restart_of_a_spooling_job_is_refused(estate: Estate) -> None:
    r = estate.alice.RpcAsyncOpenPrinter("Laser1", None, None, Access.PRINTER_ACCESS_USE)
    job = estate.alice.RpcAsyncStartDocPrinter(r.pHandle, Container(1, {"pDocName": "d"})).pJobId
    outcome = act(estate.alice, "Laser1", "restart-job", job)
    assert outcome.status == Win32.ERROR_INVALID_PRINTER_STATE
    assert outcome.message.startswith(f"alice could not restart job {job} on Laser1: ")
    assert outcome.message.endswith("(ERROR_INVALID_PRINTER_STATE, 1906).")


@pytest.mark.parametrize(
    ("job_id", "said"),
    [
        (None, "The job field is missing"),
        ("", "The job field is missing"),
        ("seven", "The job field 'seven' is not a job id"),
        ("-1", "The job field '-1' is not a job id"),
        (0, "The job field 0 is not a job id"),
        (2**32, f"The job field {2**32} is not a job id"),
        ("٣", "The job field '٣' is not a job id"),
        (True, "The job field True is not a job id"),
    ],
)
def test_missing_or_invalid_job_id(estate: Estate, job_id, said: str) -> None:
    outcome = act(estate.boss, "Laser1", "cancel-job", job_id)
    assert outcome.status == Win32.ERROR_INVALID_PARAMETER
    assert outcome.message.startswith(said)
    assert outcome.message.endswith("(ERROR_INVALID_PARAMETER, 87).")


def test_unknown_job(estate: Estate) -> None:
    outcome = act(estate.alice, "Laser1", "cancel-job", 999)
    assert outcome.status == Win32.ERROR_INVALID_PARAMETER
    assert outcome.message == (
        "alice could not cancel job 999 on Laser1: "
        "the parameter is incorrect (ERROR_INVALID_PARAMETER, 87)."
    )


def test_job_of_another_printer(estate: Estate) -> None:
    job = estate.print_job(estate.alice, printer="Annex Printer")
    assert act(estate.boss, "Laser1", "cancel-job", job).status == Win32.ERROR_INVALID_PARAMETER
    assert estate.job(job) is not None


# -- JSON ------------------------------------------------------------------------------------------

KEYS = {"status", "error", "message", "printers", "printer", "jobs"}


def test_json_of_the_list(estate: Estate) -> None:
    data = to_json(printers_view(estate.alice))
    assert set(data) == KEYS and json.loads(json.dumps(data)) == data
    assert (data["status"], data["error"], data["printer"], data["jobs"]) == (0, None, None, [])
    assert set(data["printers"][0]) == {
        "name",
        "share_name",
        "url",
        "status",
        "status_code",
        "location",
        "jobs",
        "model",
        "comment",
    }
    assert data["printers"][2]["url"] == "/printers/Laser1/"


def test_json_of_a_printer(estate: Estate) -> None:
    estate.print_job(estate.alice, pages=2)
    data = to_json(printer_view(estate.alice, "Laser1"))
    assert json.loads(json.dumps(data)) == data
    printer = data["printer"]
    assert printer["attributes"] == ["shared", "queued", "local"]
    assert set(printer) >= {"server", "port", "datatype", "priority", "average_ppm", "jobs"}
    (job,) = data["jobs"]
    assert set(job) == {
        "id",
        "document",
        "status",
        "status_code",
        "owner",
        "machine",
        "pages",
        "total_pages",
        "pages_printed",
        "size",
        "submitted",
        "position",
        "priority",
    }
    assert (job["owner"], job["total_pages"], job["size"], job["status"]) == (
        "alice",
        2,
        200,
        "Queued",
    )


def test_json_of_a_failure(estate: Estate) -> None:
    data = to_json(printer_view(estate.nobody, "Laser1"))
    assert (data["status"], data["error"], data["printer"]) == (5, "ERROR_ACCESS_DENIED", None)
    assert "access is denied" in data["message"]


def _plain(value) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (str, int, bool)


def test_json_holds_only_plain_types(estate: Estate) -> None:
    estate.print_job(estate.alice)
    act(estate.boss, "Laser1", "pause")
    for view in (printers_view(estate.alice), printer_view(estate.alice, "Laser1")):
        assert _plain(to_json(view))


# -- HTML ------------------------------------------------------------------------------------------


def test_printers_page(estate: Estate) -> None:
    page = render_printers(printers_view(estate.alice), user="alice", server="PRINTSRV")
    assert page.startswith("<!DOCTYPE html>")
    tags = Tags(page)
    assert "Printers on PRINTSRV" in tags.text
    assert "Logged in as alice" in page
    assert tags.find("table", id="printers")
    headers = [t for t in tags.text if t in ("Name", "Status", "Location", "Jobs", "Model")]
    assert headers == ["Name", "Status", "Location", "Jobs", "Model"]
    links = [a["href"] for a in tags.find("a")]
    for url in ("/printers/Laser1/", "/printers/Plot/", "/printers/Annex%20Printer/"):
        assert url in links
    assert '<a href="/printers/Laser1/">Laser1</a>' in page
    assert "Private" not in page
    assert 'id="message"' not in page


def test_printers_page_anonymous_with_message(estate: Estate) -> None:
    page = render_printers(
        printers_view(estate.nobody), user=None, server="PRINTSRV", message="Welcome & hello"
    )
    assert "anonymous" in page
    tags = Tags(page)
    (box,) = tags.find("div", id="message")
    assert box["class"] == "ok" and "Welcome & hello" in tags.text


def test_printers_page_failure_and_empty(estate: Estate) -> None:
    failed = View(Win32.ERROR_ACCESS_DENIED, "alice may not list the printers: no.")
    tags = Tags(render_printers(failed, user="alice", server="S"))
    assert tags.find("div", id="message", **{"class": "error"})
    assert "The printers could not be listed." in tags.text
    empty = Tags(render_printers(View(), user="alice", server="S"))
    assert "No printers are shared." in empty.text


def test_markup_in_names_is_escaped(estate: Estate) -> None:
    job = estate.print_job(estate.alice, printer=EVIL, doc="<img src=x onerror=alert(1)>")
    pages = (
        render_printers(printers_view(estate.alice), user="<u>", server="<srv>", message="<m>"),
        render_printer(
            printer_view(estate.alice, EVIL),
            user="<u>",
            message='<i>"done"</i>',
            connect_clients=[("<c>", "<label>")],
            connect_result=ConnectShown("<failed>", False, [(1.0, "<k>", "<t>")]),
        ),
    )
    for page in pages:
        assert "<script>" not in page and "<b>" not in page and "<u>" not in page
        assert "<img" not in page and "<m>" not in page and "<i>" not in page
        assert "&lt;script&gt;&amp;&quot;x" in page
    tags = Tags(pages[1])
    assert EVIL in tags.text and "<img src=x onerror=alert(1)>" in tags.text
    url = printer_url(EVIL)
    assert url == "/printers/%3Cscript%3E%26%22x/"
    assert tags.find("form", action=url)
    assert tags.find("input", name="job", value=str(job))
    assert tags.find("option", value="<c>")


def test_printer_page(estate: Estate) -> None:
    first = estate.print_job(estate.alice, doc="Quarterly", pages=3)
    second = estate.print_job(estate.bob, doc="memo")
    act(estate.boss, "Laser1", "pause")
    page = render_printer(printer_view(estate.alice, "Laser1"), user="alice")
    tags = Tags(page)
    assert "Laser1 on PRINTSRV" in tags.text and "Logged in as alice" in page
    assert tags.find("dl", id="properties")
    assert '<dd id="status">Paused</dd>' in page
    assert tags.find("a", href="/printers/")
    assert tags.find("table", id="jobs")
    for header in ("Document", "Status", "Owner", "Pages", "Size", "Submitted"):
        assert f'<th scope="col">{header}</th>' in page
    assert "Quarterly" in tags.text and "memo" in tags.text and "300 bytes" in tags.text

    forms = tags.find("form", method="post", action="/printers/Laser1/")
    assert len(forms) == 3  # the printer's actions and one per job
    for action, text in (
        ("pause", "Pause"),
        ("resume", "Resume"),
        ("purge", "Cancel All Documents"),
    ):
        assert f'<button type="submit" name="action" value="{action}">{text}</button>' in page
    for job in (first, second):
        assert tags.find("input", type="hidden", name="job", value=str(job))
        assert tags.find("tr", id=f"job-{job}")
    for action in ("pause-job", "resume-job", "restart-job", "cancel-job"):
        assert len(tags.find("button", name="action", value=action)) == 2
    assert not tags.find("section", id="connect") and 'id="message"' not in page


def test_printer_page_messages(estate: Estate) -> None:
    view = printer_view(estate.alice, "Laser1")
    outcome = act(estate.alice, "Laser1", "pause")
    page = render_printer(view, user="alice", message=outcome.message, status=outcome.status)
    (box,) = Tags(page).find("div", id="message")
    assert box["class"] == "error" and "alice may not pause Laser1" in page
    ok = render_printer(view, user="alice", message="Laser1 paused.")
    assert Tags(ok).find("div", id="message", **{"class": "ok"})


def test_printer_page_for_a_failed_view(estate: Estate) -> None:
    page = render_printer(printer_view(estate.alice, "NoSuch"), user="alice")
    tags = Tags(page)
    assert tags.find("div", id="message", **{"class": "error"})
    assert any("no shared printer named 'NoSuch'" in text for text in tags.text)
    assert not tags.find("table", id="jobs") and not tags.find("form")
    assert tags.find("a", href="/printers/")


def test_renderers_are_reexported_and_a_repeated_message_shows_once(estate: Estate) -> None:
    assert pages.render_printer is rendering.render_printer
    assert pages.render_printers is rendering.render_printers
    view = printer_view(estate.alice, "NoSuch")
    page = render_printer(view, user="alice", message=view.message, status=view.status)
    assert page.count("no shared printer named") == 1
    listed = printers_view(estate.alice)
    page = render_printers(listed, user="alice", server="PRINTSRV", message="Hello")
    assert page.count("Hello") == 1


def test_printer_page_empty_queue(estate: Estate) -> None:
    tags = Tags(render_printer(printer_view(estate.alice, "Annex Printer"), user=None))
    assert "No documents are waiting." in tags.text
    assert tags.find("form", action="/printers/Annex%20Printer/")


def test_connect_section_and_result(estate: Estate) -> None:
    view = printer_view(estate.alice, "Laser1")
    page = render_printer(
        view,
        user="alice",
        connect_clients=[("ws01", "WS01 (Windows x64)"), ("ws02", "WS02 (Windows ARM64)")],
        connect_result=ConnectShown(
            "Printer Installation Failed, Error Code = E0000102",
            False,
            [(0.0, "rpc", "RpcAsyncOpenPrinter"), (1.25, "file", "pcl6.gpd (40,000 bytes)")],
        ),
    )
    tags = Tags(page)
    assert len(tags.find("section", id="connect")) == 1
    assert tags.find("select", name="client")
    assert [o["value"] for o in tags.find("option")] == ["ws01", "ws02"]
    assert "WS02 (Windows ARM64)" in tags.text
    assert tags.find("button", name="action", value="connect")
    (result,) = tags.find("section", id="connect-result")
    assert result["class"] == "error"
    assert "Printer Installation Failed, Error Code = E0000102" in tags.text
    assert len(tags.find("li")) == 2
    assert "1.250 s" in tags.text and "pcl6.gpd (40,000 bytes)" in tags.text
    ok = Tags(render_printer(view, user="a", connect_result=ConnectShown("Connected.", True)))
    assert ok.find("section", id="connect-result", **{"class": "ok"}) and not ok.find("ol")
