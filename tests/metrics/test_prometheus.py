"""A real Prometheus (Debian's ``prometheus`` package; ``make tools`` installs it) scrapes
``/metrics`` from the web site (``serve_web``) and finds the Windows exporter's printer series.

The test writes a scrape config for the port ``serve_web`` bound, starts Prometheus on a free
port with its storage in ``tmp_path``, and asks Prometheus's HTTP API until the series arrive.
It runs under the real clock: Prometheus scrapes in real seconds.
"""

from __future__ import annotations

import functools
import json
import pathlib
import shutil
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
import trio

from spoolsim.metrics import CONTENT_TYPE, SimMetrics
from spoolsim.model.constants import PortSeverity, PortStatus, PrinterStatus
from spoolsim.net.web import WebSite, serve_web
from spoolsim.rpc import Surface
from tests.metrics import estate

CONFIG = """\
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: spoolsim
    scrape_interval: 1s
    scrape_timeout: 1s
    static_configs:
      - targets: ["127.0.0.1:{port}"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prometheus_command(
    prometheus: str, tmp_path: pathlib.Path, target: int
) -> tuple[list[str], int]:
    """The command line of a private Prometheus scraping 127.0.0.1:``target``, and its web port."""
    config = tmp_path / "prometheus.yml"
    config.write_text(CONFIG.format(port=target))
    web = free_port()
    command = [
        prometheus,
        f"--config.file={config}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{web}",
    ]
    return command, web


def api(web: int, path: str, **params: str) -> dict:
    """GET Prometheus's HTTP API (in a worker thread): the ``data`` of a success, else {}."""
    url = f"http://127.0.0.1:{web}/api/v1/{path}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            reply = json.load(response)
    except OSError:
        return {}  # not listening yet
    return reply["data"] if reply.get("status") == "success" else {}


def check(web: int, expr: str) -> str:
    """Evaluate ``expr`` (in a worker thread): "success", or Prometheus's error."""
    url = f"http://127.0.0.1:{web}/api/v1/query?{urllib.parse.urlencode({'query': expr})}"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)["status"]
    except urllib.error.HTTPError as error:
        return json.load(error).get("error", str(error))


def dashboard_queries() -> list[str]:
    """The Grafana dashboard's queries with its variables filled in."""
    path = (
        pathlib.Path(__file__).resolve().parents[2] / "scenarios/monitoring/grafana-dashboard.json"
    )
    board = json.loads(path.read_text())
    exprs = [t["expr"] for panel in board["panels"] for t in panel["targets"]]
    return [e.replace("$__rate_interval", "1m").replace("$printer", ".*") for e in exprs]


def series(data: dict) -> dict[tuple[tuple[str, str], ...], str]:
    """A vector result as {sorted labels without __name__, instance and job: value}."""
    skip = {"__name__", "instance", "job"}
    return {
        tuple(sorted((k, v) for k, v in r["metric"].items() if k not in skip)): r["value"][1]
        for r in data.get("result", [])
    }


async def until(web: int, query: str, done) -> dict[tuple[tuple[str, str], ...], str]:
    """Poll ``query`` until ``done(series)`` holds."""
    while True:
        got = series(
            await trio.to_thread.run_sync(functools.partial(api, web, "query", query=query))
        )
        if done(got):
            return got
        await trio.sleep(0.25)


async def test_prometheus_scrapes_the_windows_printer_series(tmp_path) -> None:
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("prometheus is not installed (make tools installs Debian's package)")
    s = estate.server()
    for n in (1, 2, 3):
        estate.laser(s, f"P{n}", f"laser{n}")
    metrics = SimMetrics()
    metrics.attach(s)
    for t in (0, 20, 40):
        estate.print_job(s, "P1", t)
    s.pause_printer(s.printer("P2"), 50)
    s.port_observed(
        s.ports["ip_laser3"],
        60,
        bits=PrinterStatus.OFFLINE,
        status=PortStatus.OFFLINE,
        severity=PortSeverity.ERROR,
        code=10002,
    )

    log = tmp_path / "prometheus.log"
    async with trio.open_nursery() as nursery:
        site = WebSite(
            s, Surface(s), metrics=lambda: (metrics.exposition(), CONTENT_TYPE), clock=lambda: 70.0
        )
        port = await nursery.start(functools.partial(serve_web, site))
        command, web = prometheus_command(prometheus, tmp_path, port)
        with log.open("wb") as out:
            await nursery.start(
                functools.partial(trio.run_process, command, stdout=out, stderr=out, check=False)
            )
            try:
                with trio.fail_after(30):
                    status = await until(web, "windows_printer_status", lambda got: len(got) == 21)
                    counted = await until(web, "windows_printer_job_count", bool)
                    completed = await until(web, "spoolsim_jobs_completed_total", bool)
                    meta = await trio.to_thread.run_sync(
                        functools.partial(api, web, "metadata", metric="windows_printer_job_count")
                    )
                    for expr in dashboard_queries():  # every panel's query is valid PromQL
                        verdict = await trio.to_thread.run_sync(check, web, expr)
                        assert verdict == "success", (expr, verdict)
                    panel = next(e for e in dashboard_queries() if e.startswith("spoolsim_queue"))
                    depth = await until(web, panel, bool)
                    # State is read at each scrape: pause P1 and Prometheus sees it stop.
                    s.pause_printer(s.printer("P1"), 70)
                    paused = (("printer", "P1"), ("status", "Stopped Printing"))
                    await until(web, "windows_printer_status == 1", lambda got: paused in got)
            except trio.TooSlowError:
                pytest.fail("Prometheus did not report the series; its log:\n" + log.read_text())
            finally:
                nursery.cancel_scope.cancel()

    assert {tuple(name for name, _ in labels) for labels in status} == {("printer", "status")}
    names = {"Other", "Unknown", "Idle", "Printing", "Warmup", "Stopped Printing", "Offline"}
    for printer in ("P1", "P2", "P3"):
        mine = {dict(k)["status"]: v for k, v in status.items() if dict(k)["printer"] == printer}
        assert set(mine) == names
        assert sorted(mine.values()) == ["0"] * 6 + ["1"]
    current = {dict(k)["printer"]: dict(k)["status"] for k, v in status.items() if v == "1"}
    assert current == {"P1": "Idle", "P2": "Stopped Printing", "P3": "Offline"}
    assert counted == {
        (("printer", "P1"),): "3",
        (("printer", "P2"),): "0",
        (("printer", "P3"),): "0",
    }
    assert completed[(("printer", "P1"), ("server", "PRINTSRV"))] == "3"
    assert meta["windows_printer_job_count"][0]["type"] == "counter"
    assert set(depth.values()) == {"0"} and len(depth) == 3  # the dashboard's queue depth
