"""``spoolsim serve``: a scenario in scaled real time, with its web site: the printers' pages,
IPP, and ``/metrics`` for a real Prometheus, on one port; with ``rpc`` set, MS-PAR and MS-RPRN
over DCE/RPC too (``spoolsim.net.rpcserver``), and with ``epm`` its endpoint mapper.

The caller runs this under a stopped ``MockClock()``; once the estate is up and the endpoint
bound, the clock is set running at ``rate`` R: every simulated second lasts 1/R real seconds.
Timeouts that protect real clients (the HTTP server's idle timeout, the exposed devices' idle
timeout) are real seconds, so they are multiplied by R where they are set. Ctrl-C (SIGINT) stops
the run cleanly: the report covers the simulated time run so far.
"""

from __future__ import annotations

import signal
import sys
from functools import partial
from pathlib import Path
from typing import TextIO

import attrs
import trio
import trio.testing

from devices.printer import DeviceLimits
from devices.serve import serve_lpd, serve_raw9100
from spoolsim.metrics import CONTENT_TYPE, SimMetrics
from spoolsim.model.security import Principal
from spoolsim.net.pages import ConnectShown
from spoolsim.net.rpcserver import RpcFrontEnd, serve_epm
from spoolsim.net.web import WebSite, serve_web
from spoolsim.rpc.webconnect import WebConnectResult
from spoolsim.runtime.spooldisk import SpoolDisk
from spoolsim.scenario.runner import RunResult, ScenarioRun, run_scenario
from spoolsim.scenario.schema import Scenario
from spoolsim.scenario.webprint import WebRun


@attrs.frozen
class ServeOptions:
    """Where to listen and how fast to run (see ``spoolsim serve --help``)."""

    host: str = "127.0.0.1"
    port: int = 9464
    rpc: tuple[str, int] | None = None  # the DCE/RPC front end's address
    epm: int | None = None  # the endpoint mapper's port (on the rpc host)
    rate: float = 60.0
    expose_devices: bool = False
    seed: int | None = None
    transport: str | None = None
    spool_dir: str | None = None  # a real spool directory: accepted jobs survive a crash
    output_dir: str | None = None  # where local ports write their files


async def serve_scenario(
    scenario: Scenario,
    options: ServeOptions,
    *,
    out: TextIO = sys.stdout,
    stop: trio.Event | None = None,
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> RunResult:
    """Serve the web site and run ``scenario``; report the bound port through ``task_status``.

    Args:
        scenario: a valid scenario.
        options: address, rate, device exposure, seed and transport overrides.
        out: where the addresses are announced.
        stop: set it to stop early (SIGINT sets it too).

    Returns:
        The run's result, as ``run_scenario`` gives it.
    """
    stop = stop if stop is not None else trio.Event()
    metrics = SimMetrics(clock=trio.current_time)
    transport = options.transport or ("wire" if options.expose_devices else None)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_stop_on_sigint, stop)

        async def before(run: ScenarioRun) -> None:
            if options.spool_dir is not None:
                _recover(run, options.spool_dir, out)
            spooler = run.web_spooler()
            site = WebSite(
                spooler.server,
                spooler.surface,
                run.scenario.web,
                metrics=lambda: (metrics.exposition(), CONTENT_TYPE),
                ipp=run.web.service(spooler) if run.web is not None else None,
                connector=PageConnector(run.web) if run.web is not None else None,
            )
            port = await nursery.start(
                partial(serve_web, site, options.host, options.port, time_scale=options.rate)
            )
            base = f"http://{options.host}:{port}"
            out.write(
                f"serving {base}/printers/ (IPP at ipp://{options.host}:{port}/printers/<name>"
                f"/.printer) and {base}/metrics at {options.rate:g}x real time;"
                " Ctrl-C stops with the summary\n"
            )
            out.flush()
            if options.rpc is not None:
                await _serve_rpc(run, nursery, options, out)
            if options.expose_devices:
                await _expose(run, nursery, options, out)
            clock = trio.lowlevel.current_clock()
            if isinstance(clock, trio.testing.MockClock):
                clock.rate = options.rate  # simulated time starts now
            task_status.started(port)

        result = await run_scenario(
            scenario,
            seed=options.seed,
            metrics=metrics,
            transport=transport,
            before=before,
            stop=stop,
            output_dir=Path(options.output_dir) if options.output_dir else None,
        )
        nursery.cancel_scope.cancel()
    return result


def _recover(run: ScenarioRun, spool_dir: str, out: TextIO) -> None:
    """Give each server its real spool directory (``DIR/<server name>``), reload what an
    earlier run left there, and record every job spooled from now on."""
    now = trio.current_time()
    for sp in run.spoolers.values():
        disk = SpoolDisk(Path(spool_dir) / sp.server.name, sp.server)
        found = disk.recover(now)
        for printer in sorted({sp.server.jobs[j].printer_name for j in found.restored}):
            sp.kick(printer, now)
        out.write(
            f"spool directory {disk.path}: {len(found.restored)} job(s) restored,"
            f" {len(found.lost)} lost, {found.finished} already printed cleared,"
            f" {len(found.quarantined)} quarantined\n"
        )
        for why in found.quarantined:
            out.write(f"  quarantined: {why}\n")
    out.flush()


async def _serve_rpc(
    run: ScenarioRun, nursery: trio.Nursery, options: ServeOptions, out: TextIO
) -> None:
    """MS-PAR and MS-RPRN over DCE/RPC, and the endpoint mapper when asked."""
    assert options.rpc is not None
    settings = run.scenario.rpc
    spooler = run.web_spooler(settings.server)
    front = RpcFrontEnd(spooler.surface, settings, time_scale=options.rate)
    host, port = options.rpc
    port = await nursery.start(partial(front.serve, host, port))
    auth = "NTLM or anonymous" if settings.anonymous else "NTLM only"
    out.write(
        f"DCE/RPC: MS-PAR and MS-RPRN of {spooler.server.name} at ncacn_ip_tcp:{host}[{port}]"
        f" ({auth}; users: {', '.join(u.name for u in settings.users) or 'none'})\n"
    )
    if options.epm is not None:
        epm_port = await nursery.start(partial(serve_epm, front, host, options.epm))
        out.write(f"endpoint mapper: {host}:{epm_port}\n")
    out.flush()


async def _expose(
    run: ScenarioRun, nursery: trio.Nursery, options: ServeOptions, out: TextIO
) -> None:
    """Serve every virtual device on real TCP ports (RAW 9100 with PJL, and LPD)."""
    limits = DeviceLimits().scaled(options.rate)  # real seconds, whatever the rate
    for spec in run.scenario.devices:
        device = run.network.printer(spec.name)
        raw = await nursery.start(
            partial(serve_raw9100, device, host=options.host, port=0, limits=limits)
        )
        lpd = await nursery.start(
            partial(serve_lpd, device, host=options.host, port=0, limits=limits)
        )
        out.write(f"device {spec.name}: RAW {options.host}:{raw}  LPD {options.host}:{lpd}\n")
    out.flush()


async def _stop_on_sigint(stop: trio.Event) -> None:
    try:
        with trio.open_signal_receiver(signal.SIGINT) as signals:
            async for _ in signals:
                stop.set()
                return
    except RuntimeError:  # not the main thread (tests): Ctrl-C is not ours to catch
        await trio.sleep_forever()


class PageConnector:
    """The printer page's Connect button in ``spoolsim serve``: one simulated machine of each web
    client group, connecting as the user logged in to the page, in the run's simulated time."""

    def __init__(self, run: WebRun) -> None:
        self.run = run
        self.groups = {g.name: g for g in run.scenario.clients if g.web_connect_within is not None}
        self._count = 0

    def clients(self) -> list[tuple[str, str]]:
        out = []
        for g in self.groups.values():
            mode = ", Protected Mode" if g.protected_mode else ""
            out.append((g.name, f"{g.name}: {g.os} {g.architecture}, {g.zone} zone{mode}"))
        return out

    async def connect(self, client: str, printer: str, principal: Principal) -> ConnectShown:
        group = self.groups.get(client)
        if group is None:
            known = ", ".join(self.groups) or "none"
            return ConnectShown(f"No client kind {client!r} (known: {known})", False, ())
        self._count += 1
        machine = self.run.machine(group, f"{group.name.upper()}-WEB{self._count}")
        seen: list[tuple[float, str, str]] = []

        def listen(time: float, kind: str, subject: str, data: dict[str, object]) -> None:
            if subject == machine.name and kind.startswith("web."):
                facts = ", ".join(f"{k}={v}" for k, v in sorted(data.items()) if k != "printer")
                seen.append((time, kind, facts))

        sp = self.run.home.get(printer.lower())
        if sp is None:
            return ConnectShown(f"No printer {printer!r} here", False, ())
        finished = trio.Event()
        outcome: list[WebConnectResult] = []

        def then(result: WebConnectResult) -> None:
            outcome.append(result)
            finished.set()

        sp.server.log.listeners.append(listen)
        try:
            self.run.connect(
                group,
                -self._count,
                trio.current_time(),
                machine=machine,
                principal=principal,
                printer=printer,
                then=then,
            )
            await finished.wait()
        finally:
            sp.server.log.listeners.remove(listen)
        result = outcome[0]
        return ConnectShown(result.message, result.ok, tuple(seen), result.status)
