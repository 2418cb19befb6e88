"""A tiny Chrome DevTools Protocol client on Trio, enough to drive headless Chromium in tests.

:func:`open_page` starts ``chromium --headless=new`` with a private profile, reads the browser's
websocket address from its stderr ("DevTools listening on ws://..."; stderr goes to a file, so
nothing has to keep draining a pipe), opens a tab and attaches to it in flattened mode (one
websocket; the tab's commands and events carry its ``sessionId``). The :class:`Page` it yields
navigates, evaluates JavaScript, clicks, sends extra HTTP headers and takes screenshots. Leaving
the block closes the browser (``Browser.close``), waits for it, and kills whatever is left of its
process group.

Messages are read only while a command or an event is awaited, in the awaiting task; events that
arrive meanwhile are kept in order until someone waits for them. Every step (a command, a wait
for an event) is bounded by the page's ``timeout`` in real seconds: past it, ``trio.TooSlowError``.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import pathlib
import signal
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import trio
import trio_websocket

LISTENING = "DevTools listening on "
# Headless, no sandbox (tests run as root in containers), and nothing that phones home.
FLAGS = """--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run
    --no-default-browser-check --disable-background-networking --disable-component-update
    --disable-extensions --disable-sync --remote-debugging-port=0""".split()
MAX_MESSAGE = 64 * 1024 * 1024  # a full-page screenshot, base64-encoded, fits


class CdpError(Exception):
    """The browser answered a command with an error, or a script threw."""


class Page:
    """One browser tab, attached over the browser's websocket."""

    def __init__(self, ws: trio_websocket.WebSocketConnection, timeout: float) -> None:
        self.ws = ws
        self.timeout = timeout
        self.session: str | None = None  # None: commands go to the browser itself
        self._ids = itertools.count(1)
        self._events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Send a command to the tab (or, before attaching, the browser); return its result."""
        with trio.fail_after(self.timeout):
            ident = next(self._ids)
            message: dict[str, Any] = {"id": ident, "method": method, "params": params}
            if self.session is not None:
                message["sessionId"] = self.session
            await self.ws.send_message(json.dumps(message))
            while True:
                reply = await self._receive()
                if reply.get("id") == ident:
                    if "error" in reply:
                        raise CdpError(f"{method}: {reply['error']}")
                    return reply.get("result", {})
                if "method" in reply:
                    self._events.append(reply)

    async def wait_for(self, event: str) -> dict[str, Any]:
        """The params of the first ``event`` not yet waited for (events already kept count)."""
        with trio.fail_after(self.timeout):
            while True:
                for i, kept in enumerate(self._events):
                    if kept["method"] == event:
                        return self._events.pop(i).get("params", {})
                reply = await self._receive()
                if "method" in reply:
                    self._events.append(reply)

    async def _receive(self) -> dict[str, Any]:
        return json.loads(await self.ws.get_message())

    async def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page; its value, as JSON brings it back."""
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise CdpError(details.get("exception", {}).get("description") or details["text"])
        return result["result"].get("value")

    async def _load(self, start: Callable[[], Awaitable[object]]) -> None:
        """Run ``start`` and wait until a new document has loaded. A ``loadEventFired`` counts
        only if the window no longer carries the mark set before ``start`` (so a late event of
        the previous document is skipped)."""
        await self.evaluate("window.__cdpOld = true")
        self._events.clear()
        await start()
        while True:
            await self.wait_for("Page.loadEventFired")
            with contextlib.suppress(CdpError):  # the old document may be going away
                if await self.evaluate("!window.__cdpOld && document.readyState == 'complete'"):
                    return

    async def navigate(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""

        async def go() -> None:
            result = await self.send("Page.navigate", url=url)
            if result.get("errorText"):
                raise CdpError(f"navigating to {url}: {result['errorText']}")

        await self._load(go)

    async def click(self, selector: str) -> None:
        """Click the element ``selector`` finds (a link or a form's button) and wait for the page
        it leads to to load."""

        async def press() -> None:
            find = f"document.querySelector({json.dumps(selector)})"
            script = f"(e => e ? (e.click(), true) : false)({find})"
            if not await self.evaluate(script):
                where = await self.evaluate("location.href")
                raise CdpError(f"nothing on {where} matches {selector}")

        await self._load(press)

    async def set_headers(self, headers: dict[str, str]) -> None:
        """Send ``headers`` with every request the tab makes from now on."""
        await self.send("Network.enable")
        await self.send("Network.setExtraHTTPHeaders", headers=headers)

    async def screenshot(self) -> bytes:
        """The visible part of the page as PNG bytes."""
        result = await self.send("Page.captureScreenshot", format="png")
        return base64.b64decode(result["data"])


async def _listening(process: trio.Process, log: pathlib.Path) -> str:
    """The browser's websocket address, once Chromium has printed it to its stderr (``log``)."""
    while True:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith(LISTENING):
                return line.removeprefix(LISTENING).strip()
        if process.returncode is not None:
            raise CdpError(f"chromium exited ({process.returncode}):\n{log.read_text()}")
        await trio.sleep(0.05)


@contextlib.asynccontextmanager
async def open_page(
    profile: pathlib.Path, *, chromium: str = "chromium", timeout: float = 20.0
) -> AsyncIterator[Page]:
    """Start headless Chromium with its profile in ``profile`` and yield a blank tab.

    Args:
        profile: a directory for the browser's user data (created if missing); Chromium's
            stderr goes to ``profile`` + ``.log`` beside it.
        chromium: the browser's executable.
        timeout: real seconds any one step (start, command, load) may take.
    """
    profile.mkdir(parents=True, exist_ok=True)
    log = profile.with_name(profile.name + ".log")
    command = [chromium, *FLAGS, f"--user-data-dir={profile}", "about:blank"]
    with log.open("wb") as stderr:
        process = await trio.lowlevel.open_process(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            start_new_session=True,  # its own process group, so its helpers can be ended too
        )
    try:
        with trio.fail_after(timeout):
            url = await _listening(process, log)
        async with trio_websocket.open_websocket_url(
            url,
            max_message_size=MAX_MESSAGE,
            connect_timeout=timeout,
            disconnect_timeout=timeout,
        ) as ws:
            page = Page(ws, timeout)
            target = await page.send("Target.createTarget", url="about:blank")
            attached = await page.send(
                "Target.attachToTarget", targetId=target["targetId"], flatten=True
            )
            page.session = attached["sessionId"]
            await page.send("Page.enable")
            try:
                yield page
            finally:
                page.session = None
                gone = (trio_websocket.ConnectionClosed, trio.TooSlowError, CdpError)
                with trio.CancelScope(shield=True), contextlib.suppress(*gone):
                    await page.send("Browser.close")  # it may hang up before answering
    finally:
        with trio.CancelScope(shield=True):
            await _stop(process, timeout)


async def _stop(process: trio.Process, grace: float) -> None:
    """Wait up to ``grace`` seconds for the browser to exit, then kill whatever is left of its
    process group (the browser itself if it lingers, or a helper it left behind)."""
    with trio.move_on_after(grace):
        await process.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    await process.wait()
