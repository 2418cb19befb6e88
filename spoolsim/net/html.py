"""The Internet Printing pages as HTML: ``/printers/`` and a printer's page.

Each function returns one complete HTML5 document with a little inline CSS and no script:
everything works with links and form POSTs. Every value that comes from the spooler or the
person (printer names, comments, documents, messages) is escaped. Main elements carry stable ids
for browser tests: ``printers`` (the list's table), ``jobs`` (a printer's documents),
``properties`` and ``status`` (its properties and status), ``message`` (the outcome of an action
or what went wrong; class ``error`` when it failed), ``connect`` and ``connect-result``.

:mod:`spoolsim.net.pages` re-exports both renderers beside the views they show.

The forms post to the printer's own page (``/printers/<share name>/``) with a field ``action``
(the button pressed: ``pause``, ``resume``, ``purge``, ``pause-job``, ``resume-job``,
``restart-job``, ``cancel-job``, ``connect``), plus ``job`` for a document's buttons and
``client`` for Connect.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the values come from spoolsim.net.pages, which re-exports these renderers
    from spoolsim.net.pages import ConnectShown, JobRow, PrinterDetail, PrinterRow, View

__all__ = ["render_printer", "render_printers"]

STYLE = """
body { font-family: Segoe UI, Helvetica, Arial, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.15em; margin-top: 1.5em; }
table { border-collapse: collapse; margin-top: 0.5em; }
th, td { border-bottom: 1px solid #ccc; padding: 0.3em 0.8em; text-align: left; }
th { background: #eef2f7; }
td.number { text-align: right; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
form { display: inline; margin: 0; }
button { margin-right: 0.3em; }
#message, #connect-result { padding: 0.5em 1em; border: 1px solid #7a7; background: #efe; }
#message.error, #connect-result.error { border-color: #c66; background: #fee; }
.user { color: #555; }
""".strip()

JOB_BUTTONS = (
    ("pause-job", "Pause"),
    ("resume-job", "Resume"),
    ("restart-job", "Restart"),
    ("cancel-job", "Cancel"),
)
PRINTER_BUTTONS = (("pause", "Pause"), ("resume", "Resume"), ("purge", "Cancel All Documents"))


def _e(value: object) -> str:
    """Escaped text for HTML content and quoted attribute values."""
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, user: str | None, body: str) -> str:
    who = f"Logged in as {_e(user)}" if user else "Not logged in (anonymous)"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
        f'<header>\n<h1>{_e(title)}</h1>\n<p class="user" id="user">{who}</p>\n</header>\n'
        f"<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _message(lines: Sequence[tuple[str, bool]]) -> str:
    """The ``message`` box: one paragraph per ``(text, failed)`` (empty and repeated texts left
    out); red when any failed."""
    seen: dict[str, bool] = {}
    for text, failed in lines:
        if text:
            seen[text] = seen.get(text, False) or failed
    lines = list(seen.items())
    if not lines:
        return ""
    error = any(failed for _, failed in lines)
    kind = "error" if error else "ok"
    role = "alert" if error else "status"
    paragraphs = "".join(f"<p>{_e(text)}</p>" for text, _ in lines)
    return f'<div id="message" class="{kind}" role="{role}">{paragraphs}</div>\n'


def _table(table_id: str, headers: Sequence[str], rows: Sequence[str], empty: str) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    body = "".join(rows) or f'<tr class="empty"><td colspan="{len(headers)}">{_e(empty)}</td></tr>'
    return (
        f'<table id="{table_id}">\n<thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body}</tbody>\n</table>\n"
    )


def _button(action: str, text: str) -> str:
    return f'<button type="submit" name="action" value="{_e(action)}">{_e(text)}</button>'


def _form(url: str, inner: str, css: str) -> str:
    return f'<form method="post" action="{_e(url)}" class="{css}">{inner}</form>'


# -- /printers/ ------------------------------------------------------------------------------------


def _printer_row(row: PrinterRow) -> str:
    cells = (
        f'<td class="name"><a href="{_e(row.url)}">{_e(row.name)}</a></td>',
        f'<td class="status">{_e(row.status)}</td>',
        f'<td class="location">{_e(row.location)}</td>',
        f'<td class="jobs number">{row.jobs}</td>',
        f'<td class="model">{_e(row.model)}</td>',
        f'<td class="comment">{_e(row.comment)}</td>',
    )
    return f'<tr data-printer="{_e(row.name)}">{"".join(cells)}</tr>\n'


def render_printers(view: View, *, user: str | None, server: str, message: str = "") -> str:
    """The ``/printers/`` page: the shared printers, each linking to its own page.

    Args:
        view: from :func:`~spoolsim.net.pages.printers_view`.
        user: who is logged in, None when anonymous.
        server: the server's name, for the title.
        message: a line to show above the table ("" for none).

    Returns:
        The HTML document.
    """
    body = _message([(message, False), (view.message, view.status != 0)])
    headers = ("Name", "Status", "Location", "Jobs", "Model", "Comment")
    rows = [_printer_row(row) for row in view.printers]
    empty = "No printers are shared." if view.ok else "The printers could not be listed."
    body += _table("printers", headers, rows, empty)
    return _page(f"Printers on {server}", user, body)


# -- a printer's page ------------------------------------------------------------------------------


def _properties(p: PrinterDetail) -> str:
    items = (
        ("Name", p.name, ""),
        ("Share name", p.share_name, ""),
        ("Server", p.server, ""),
        ("Status", p.status, ' id="status"'),
        ("Location", p.location, ""),
        ("Comment", p.comment, ""),
        ("Model", p.model, ""),
        ("Port", p.port, ""),
        ("Data type", p.datatype, ""),
        ("Documents", p.jobs, ' id="job-count"'),
        ("Attributes", ", ".join(p.attributes), ""),
        ("Priority", p.priority, ""),
        ("Speed", f"{p.average_ppm} pages per minute" if p.average_ppm else "Unknown", ""),
    )
    pairs = "".join(
        f"<dt>{_e(term)}</dt><dd{attr}>{_e(value)}</dd>\n" for term, value, attr in items
    )
    return f'<h2>Properties</h2>\n<dl id="properties">\n{pairs}</dl>\n'


def _printer_actions(p: PrinterDetail) -> str:
    buttons = "".join(_button(action, text) for action, text in PRINTER_BUTTONS)
    return f"<h2>Printer actions</h2>\n{_form(p.url, buttons, 'printer-actions')}\n"


def _job_row(url: str, job: JobRow) -> str:
    hidden = f'<input type="hidden" name="job" value="{job.id}">'
    buttons = "".join(_button(action, text) for action, text in JOB_BUTTONS)
    cells = (
        f'<td class="document">{_e(job.document)}</td>',
        f'<td class="status">{_e(job.status)}</td>',
        f'<td class="owner">{_e(job.owner)}</td>',
        f'<td class="pages number">{_e(job.pages)}</td>',
        f'<td class="size number">{job.size:,} bytes</td>',
        f'<td class="submitted">{_e(job.submitted)}</td>',
        f'<td class="actions">{_form(url, hidden + buttons, "job-actions")}</td>',
    )
    return f'<tr id="job-{job.id}" data-job="{job.id}">{"".join(cells)}</tr>\n'


def _jobs(p: PrinterDetail, jobs: Sequence[JobRow]) -> str:
    headers = ("Document", "Status", "Owner", "Pages", "Size", "Submitted", "Actions")
    rows = [_job_row(p.url, job) for job in jobs]
    return "<h2>Documents</h2>\n" + _table("jobs", headers, rows, "No documents are waiting.")


def _connect(url: str, clients: Sequence[tuple[str, str]]) -> str:
    if not clients:
        return ""
    options = "".join(f'<option value="{_e(key)}">{_e(label)}</option>' for key, label in clients)
    inner = (
        '<label for="client">Connect from </label>'
        f'<select name="client" id="client">{options}</select> {_button("connect", "Connect")}'
    )
    return f'<section id="connect">\n<h2>Connect</h2>\n{_form(url, inner, "connect")}\n</section>\n'


def _when(time: object) -> str:
    if isinstance(time, int | float) and not isinstance(time, bool):
        return f"{time:.3f} s"
    return str(time)


def _connect_result(result: ConnectShown | None) -> str:
    if result is None:
        return ""
    kind = "ok" if result.ok else "error"
    events = "".join(
        f'<li><span class="time">{_e(_when(t))}</span> <span class="kind">{_e(kind_)}</span> '
        f'<span class="text">{_e(text)}</span></li>\n'
        for t, kind_, text in result.events
    )
    timeline = f'<ol class="events">\n{events}</ol>\n' if events else ""
    return (
        f'<section id="connect-result" class="{kind}">\n'
        f'<p class="headline">{_e(result.message)}</p>\n{timeline}</section>\n'
    )


def render_printer(
    view: View,
    *,
    user: str | None,
    message: str = "",
    status: int = 0,
    connect_clients: Sequence[tuple[str, str]] = (),
    connect_result: ConnectShown | None = None,
) -> str:
    """A printer's page: properties, printer actions, documents with their actions, Connect.

    Args:
        view: from :func:`spoolsim.net.pages.printer_view`; when it failed the page says why and
            shows nothing else.
        user: who is logged in, None when anonymous.
        message: the outcome of the action just taken ("" for none).
        status: that outcome's Win32 code; not 0 shows ``message`` as an error.
        connect_clients: ``(id, label)`` of the machines Connect may install the printer on; no
            Connect section when empty.
        connect_result: the outcome of a Connect, shown with its timeline.

    Returns:
        The HTML document.
    """
    body = _message([(message, status != 0), (view.message, view.status != 0)])
    back = '<nav><a href="/printers/">All printers</a></nav>\n'
    p = view.printer
    if p is None:
        return _page("Printer not available", user, back + body)
    body += _properties(p) + _printer_actions(p) + _jobs(p, view.jobs)
    body += _connect(p.url, connect_clients) + _connect_result(connect_result)
    server = p.server.lstrip("\\")
    return _page(f"{p.name} on {server}", user, back + body)
