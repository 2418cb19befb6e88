"""The wire path: a Standard TCP/IP port monitor speaking PJL (RAW) or LPR over a byte stream.

Each job gets one connection, in its own task. The task only moves bytes and reads codec events;
what it learns goes to the deadline loop with :meth:`DeadlineLoop.post`, keyed by the port, so
that news from several devices at one instant is applied in the same order on every run.

RAW with bidi, one job (what the device sees is in ``devices/printer.py``)::

    UEL @PJL USTATUS DEVICE=ON / JOB=ON / PAGE=ON
        @PJL INFO STATUS / INFO PAGECOUNT / INFO SUPPLIES   -> three replies: the device is reached
    UEL @PJL JOB NAME="doc"  <job data>  UEL @PJL EOJ NAME="doc" UEL
    ... USTATUS DEVICE / PAGE / JOB START ... until USTATUS JOB END PAGES=n

Every step has a timeout: ``connect_timeout`` to connect, ``reply_timeout`` for each reply, and
``status_poll`` of silence while printing before the monitor sends ``INFO STATUS``, which must be
answered within ``reply_timeout``. Without bidi (``TcpConfig.bidi`` off) the job is done when its
last byte is written. LPR: RFC 1179 receive-job with a control file and a data file; with byte
counting off the data file is announced with size 0 and ends when the monitor closes.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING

import trio

from spoolsim.model.ports import LPR
from spoolsim.runtime.links import job_bytes
from spoolsim.runtime.monitor import Activity
from spoolsim.wire import lpr, pjl

if TYPE_CHECKING:
    from spoolsim.runtime.network import Network
    from spoolsim.runtime.spooler import RuntimeConfig

CHUNK = 65536


class PortError(Exception):
    """The device could not be reached or stopped answering; the message says which step."""


class WireLink:
    """Standard TCP/IP ports over streams. One task per job, started in ``nursery``."""

    def __init__(self, network: Network, nursery: trio.Nursery, config: RuntimeConfig) -> None:
        self.network = network
        self.nursery = nursery
        self.config = config

    def start(self, act: Activity, now: float) -> None:
        self.nursery.start_soon(self._run, act)

    async def _run(self, act: Activity) -> None:
        loop, key = act.spooler.loop, act.port.name.lower()
        tcp = act.port.tcp
        assert tcp is not None
        with trio.CancelScope() as scope:
            act.stop = scope.cancel
            try:
                with trio.fail_after(self.config.connect_timeout):
                    stream = await self.network.connect(tcp.host, tcp.port_number)
            except (OSError, trio.TooSlowError) as exc:
                reason = "device did not answer" if isinstance(exc, trio.TooSlowError) else str(exc)
                loop.post(key, partial(act.failed, reason=reason))
                return
            try:
                async with stream:
                    if tcp.protocol == LPR:
                        await self._lpr(act, stream)
                    else:
                        await self._raw(act, stream, bidi=tcp.bidi)
            except (PortError, trio.BrokenResourceError, trio.TooSlowError) as exc:
                loop.post(key, partial(act.failed, reason=str(exc) or "device stopped answering"))
            except (pjl.PJLError, lpr.LPRError) as exc:
                loop.post(key, partial(act.failed, reason=f"protocol error: {exc.detail}"))

    # -- RAW and PJL -------------------------------------------------------------------------------

    async def _raw(self, act: Activity, stream: trio.abc.Stream, *, bidi: bool) -> None:
        loop, key = act.spooler.loop, act.port.name.lower()
        conn = pjl.PJLConnection(pjl.Role.HOST)
        name = act.job.document or f"job {act.job.job_id}"
        post = partial(loop.post, key)
        if bidi:
            head = [pjl.Uel()]
            head += [pjl.Command.of("USTATUS", **{w: "ON"}) for w in ("DEVICE", "JOB", "PAGE")]
            head += [pjl.Command.of("INFO", what) for what in ("STATUS", "PAGECOUNT", "SUPPLIES")]
            await stream.send_all(b"".join(conn.send(e) for e in head))
            status, count, supplies = [await self._reply(conn, stream) for _ in range(3)]
            post(partial(_reached, act, status, count, supplies))
        data = job_bytes(act.job)
        await stream.send_all(conn.send(pjl.Uel()) + conn.send(pjl.Command.of("JOB", NAME=name)))
        # A job that carries its own PJL passes through as it is; the codec checks the rest.
        raw = pjl.UEL in data or data.startswith(b"@PJL")
        for chunk in _chunks(data):
            await stream.send_all(chunk if raw else conn.send(pjl.PrintData(chunk)))
        tail = [pjl.Uel(), pjl.Command.of("EOJ", NAME=name), pjl.Uel()]
        await stream.send_all(b"".join(conn.send(e) for e in tail))
        if not bidi:
            post(act.taken)
            return
        while True:  # until the device reports the job's end
            reply = await self._listen(conn, stream)
            if reply.category == "USTATUS DEVICE" or reply.category == "INFO STATUS":
                post(partial(_status, act, reply))
            elif reply.category == "USTATUS PAGE" and reply.lines and reply.lines[0].isdigit():
                post(partial(act.page, number=int(reply.lines[0])))
            elif reply.category == "USTATUS JOB" and reply.lines[:1] == ("END",):
                pages = reply.fields().get("PAGES", "")
                post(partial(act.finished, pages=int(pages) if pages.isdigit() else None))
                break
        # What the job used up, for bidi readers (not logged, so both paths agree).
        ask = [pjl.Command.of("INFO", what) for what in ("PAGECOUNT", "SUPPLIES")]
        await stream.send_all(b"".join(conn.send(e) for e in ask))
        count, supplies = [await self._reply(conn, stream) for _ in range(2)]
        post(partial(_supplies, act, count, supplies))

    async def _reply(self, conn: pjl.PJLConnection, stream: trio.abc.Stream) -> pjl.Reply:
        """The next solicited reply, skipping unsolicited ones, within ``reply_timeout``."""
        with trio.fail_after(self.config.reply_timeout):
            while True:
                event = await _next_pjl(conn, stream)
                if not event.category.startswith("USTATUS"):
                    return event

    async def _listen(self, conn: pjl.PJLConnection, stream: trio.abc.Stream) -> pjl.Reply:
        """The next message; after ``status_poll`` seconds of silence, ask for status."""
        with trio.move_on_after(self.config.status_poll):
            return await _next_pjl(conn, stream)
        await stream.send_all(conn.send(pjl.Command.of("INFO", "STATUS")))
        with trio.fail_after(self.config.reply_timeout):
            return await _next_pjl(conn, stream)

    # -- LPR ---------------------------------------------------------------------------------------

    async def _lpr(self, act: Activity, stream: trio.abc.Stream) -> None:
        tcp = act.port.tcp
        assert tcp is not None
        conn = lpr.LPRConnection(lpr.Role.CLIENT)
        data = job_bytes(act.job)
        number = act.job.job_id % 1000
        host = act.spooler.server.name[:31]
        data_name = lpr.job_file_name("df", number, host)
        control = lpr.build_control_file(
            lpr.ControlFile(
                host=host,
                user=(act.job.user or "nobody")[:31],
                job_name=act.job.document[:99] or None,
                prints=(("l", data_name),),
                unlinks=(data_name,),
            )
        )
        await stream.send_all(conn.send(lpr.ReceiveJob(tcp.queue)))
        await self._ack(conn, stream, "receive job")
        control_name = lpr.job_file_name("cf", number, host)
        await stream.send_all(conn.send(lpr.ControlFileHeader(len(control), control_name)))
        await self._ack(conn, stream, "control file header")
        await stream.send_all(conn.send(lpr.FileData(control)) + conn.send(lpr.FileEnd()))
        await self._ack(conn, stream, "control file")
        size = len(data) if tcp.byte_count else 0
        await stream.send_all(conn.send(lpr.DataFileHeader(size, data_name)))
        await self._ack(conn, stream, "data file header")
        for chunk in _chunks(data):
            await stream.send_all(conn.send(lpr.FileData(chunk)))
        if tcp.byte_count:
            await stream.send_all(conn.send(lpr.FileEnd()))
            await self._ack(conn, stream, "data file")
        act.spooler.loop.post(act.port.name.lower(), act.taken)

    async def _ack(self, conn: lpr.LPRConnection, stream: trio.abc.Stream, step: str) -> None:
        with trio.fail_after(self.config.reply_timeout):
            while True:
                event = conn.next_event()
                if event is lpr.NEED_DATA:
                    conn.receive_data(await stream.receive_some(CHUNK))
                    continue
                if isinstance(event, lpr.Ack):
                    if not event.ok:
                        raise PortError(f"the LPD refused the {step} (code {event.code})")
                    return
                raise PortError(f"expected an acknowledgement of the {step}, got {event!r}")


async def _next_pjl(conn: pjl.PJLConnection, stream: trio.abc.Stream) -> pjl.Reply:
    while True:
        event = conn.next_event()
        if event is pjl.NEED_DATA:
            conn.receive_data(await stream.receive_some(CHUNK))
        elif isinstance(event, pjl.EndOfStream):
            raise PortError("the device closed the connection")
        else:
            assert isinstance(event, pjl.Reply)
            return event


def _chunks(data: bytes) -> Iterator[bytes]:
    for i in range(0, len(data), CHUNK):
        yield data[i : i + CHUNK]


def _alerts(reply: pjl.Reply) -> tuple[int, ...]:
    fields = reply.fields()
    return tuple(
        int(v)
        for k, v in sorted(fields.items())
        if k.startswith("CODE") and k != "CODE" and v.isdigit()
    )


def _status(act: Activity, reply: pjl.Reply, now: float) -> None:
    act.status(now, reply.code, _alerts(reply))


def _supplies(act: Activity, count: pjl.Reply, supplies: pjl.Reply, now: float) -> None:
    pages = count.fields().get("PAGECOUNT", "")
    act.supplies(supply_levels(supplies), int(pages) if pages.isdigit() else None)


def _reached(
    act: Activity, status: pjl.Reply, count: pjl.Reply, supplies: pjl.Reply, now: float
) -> None:
    act.status(now, status.code, _alerts(status))
    _supplies(act, count, supplies, now)
    act.spooler.reached(act)


def supply_levels(reply: pjl.Reply) -> dict[str, int]:
    """Supplies in percent from an ``INFO SUPPLIES`` reply: ``{"toner": 97, "tray1": 40}``."""
    return {key.lower(): int(v) for key, v in reply.fields().items() if v.isdigit()}
