"""A real browser on the print server's web site: headless Chromium (Debian's ``chromium``
package; ``make tools`` installs it) driven over the DevTools Protocol (:mod:`tests.net.cdp`).

The browser opens ``/printers/``, follows a printer's link and presses its Pause button, the way a
person would; the test then asks the method surface whether the printer is paused. As the
anonymous visitor (IUSR) the same button is refused with ERROR_ACCESS_DENIED and nothing changes.
Everything runs under the real clock; each browser step is bounded by ``STEP`` real seconds.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import pathlib
import shutil
from collections.abc import AsyncIterator

import pytest
import trio

from spoolsim.model import PrintServer
from spoolsim.model.constants import Access, PrinterAttributes, PrinterStatus
from spoolsim.model.security import admin
from spoolsim.net.settings import WebSettings, WebUser
from spoolsim.net.web import WebSite, serve_web
from spoolsim.rpc import Client, Container, Surface
from tests.metrics import estate
from tests.net import cdp

STEP = 20.0  # real seconds any one step (start the browser, load a page, click) may take
PNG = b"\x89PNG\r\n\x1a\n"
SETTINGS = WebSettings(users=(WebUser("boss", "s3cret", admin=True), WebUser("alice", "pw")))

# Where the links named P1 in the list of printers lead.
LINK = """[...document.querySelectorAll('#printers a')]
    .filter(a => a.textContent === 'P1').map(a => a.getAttribute('href'))"""
# The printer's Pause button (the documents' rows have Pause buttons of their own).
PAUSE = 'form.printer-actions button[name="action"][value="pause"]'
MESSAGE = """(m => m && {cls: m.className, text: m.textContent})(
    document.getElementById('message'))"""


@pytest.fixture
def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed (make tools installs Debian's chromium)")
    return found


def share(surface: Surface, name: str) -> None:
    """Share ``name`` as an administrator does on its Sharing tab: SetPrinter level 2 with
    PRINTER_ATTRIBUTE_SHARED and a share name."""
    client = Client(surface, admin())
    opened = client.RpcAsyncOpenPrinter(name, None, None, Access.PRINTER_ALL_ACCESS)
    assert opened.status == 0, opened
    status, (info,) = client.fetch(
        "RpcAsyncGetPrinter", opened.pHandle, family="PRINTER_INFO", level=2, out="pPrinter"
    )
    assert status == 0
    info = {**info, "Attributes": info["Attributes"] | PrinterAttributes.SHARED, "pShareName": name}
    changed = client.RpcAsyncSetPrinter(opened.pHandle, Container(2, info), None, None, 0)
    assert changed.status == 0, changed
    client.RpcAsyncClosePrinter(opened.pHandle)


def printer_status(surface: Surface, name: str) -> int:
    """PRINTER_INFO_2.Status of ``name``, read through the method surface."""
    client = Client(surface, admin())
    opened = client.RpcAsyncOpenPrinter(name, None, None, Access.PRINTER_ACCESS_USE)
    assert opened.status == 0, opened
    status, (info,) = client.fetch(
        "RpcAsyncGetPrinter", opened.pHandle, family="PRINTER_INFO", level=2, out="pPrinter"
    )
    client.RpcAsyncClosePrinter(opened.pHandle)
    assert status == 0
    return info["Status"]


@contextlib.asynccontextmanager
async def browsing(
    chromium: str, tmp_path: pathlib.Path
) -> AsyncIterator[tuple[PrintServer, Surface, str, cdp.Page]]:
    """Two shared printers served on a free port, and a browser tab: (server, surface, the
    site's address, the tab)."""
    s = estate.server()
    estate.laser(s, "P1", "laser1")
    estate.laser(s, "P2", "laser2")
    surface = Surface(s, clock=trio.current_time)
    for name in ("P1", "P2"):
        share(surface, name)
    site = WebSite(s, surface, SETTINGS)
    async with trio.open_nursery() as nursery:
        with trio.fail_after(STEP):
            port = await nursery.start(functools.partial(serve_web, site))
        async with cdp.open_page(tmp_path / "profile", chromium=chromium, timeout=STEP) as page:
            yield s, surface, f"http://127.0.0.1:{port}", page
        nursery.cancel_scope.cancel()


async def open_printer(page: cdp.Page, base: str) -> None:
    """Load the list of printers and follow P1's link."""
    await page.navigate(f"{base}/printers/")
    assert await page.evaluate(
        "[...document.querySelectorAll('#printers a')].map(a => a.textContent)"
    ) == ["P1", "P2"]
    (href,) = await page.evaluate(LINK)
    await page.click(f"#printers a[href={json.dumps(href)}]")
    assert await page.evaluate("location.pathname") == "/printers/P1/"


async def test_an_administrator_pauses_a_printer_from_its_page(chromium, tmp_path) -> None:
    async with browsing(chromium, tmp_path) as (s, surface, base, page):
        credentials = base64.b64encode(b"boss:s3cret").decode()
        await page.set_headers({"Authorization": f"Basic {credentials}"})
        await open_printer(page, base)
        assert await page.evaluate("document.getElementById('user').textContent") == (
            "Logged in as boss"
        )
        await page.click(PAUSE)
        message = await page.evaluate(MESSAGE)
        status = await page.evaluate("document.getElementById('status').textContent")
        png = await page.screenshot()

    shot = tmp_path / "paused.png"
    shot.write_bytes(png)
    assert shot.stat().st_size > len(PNG) and shot.read_bytes().startswith(PNG)
    assert message == {"cls": "ok", "text": "P1 paused."}
    assert status == "Paused"
    assert printer_status(surface, "P1") & PrinterStatus.PAUSED
    assert s.printer("P1").status & PrinterStatus.PAUSED
    assert not printer_status(surface, "P2") & PrinterStatus.PAUSED


async def test_the_anonymous_visitor_may_not_pause_a_printer(chromium, tmp_path) -> None:
    async with browsing(chromium, tmp_path) as (s, surface, base, page):
        await open_printer(page, base)
        assert await page.evaluate("document.getElementById('user').textContent") == (
            "Not logged in (anonymous)"
        )
        await page.click(PAUSE)
        message = await page.evaluate(MESSAGE)
        status = await page.evaluate("document.getElementById('status').textContent")

    assert message["cls"] == "error"
    assert "ERROR_ACCESS_DENIED" in message["text"] and "IUSR" in message["text"], message
    assert status == "Ready"
    assert not printer_status(surface, "P1") & PrinterStatus.PAUSED
    assert not s.printer("P1").status & PrinterStatus.PAUSED
