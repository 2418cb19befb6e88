"""``spoolsim serve`` end to end: a real process in scaled real time, its ``/metrics`` scraped by
a real HTTP client and by a real Prometheus, and Ctrl-C (SIGINT) ending it with the summary."""

from __future__ import annotations

import functools
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.request

import pytest
import trio

from tests.metrics.test_prometheus import prometheus_command, until
from tests.scenario.test_runner import estate

SCENARIO = (
    """
name = "serve-test"
[simulation]
duration = "8h"
seed = 3
"""
    + estate("Front", "Back")
    + """
[[clients]]
name = "staff"
count = 50
pages = { distribution = "geometric", mean = 3 }
choice = { kind = "random" }
arrival = { process = "poisson", mean_interval = "10m" }
"""
)


async def _serve(tmp_path, *extra: str, scenario: str = SCENARIO) -> tuple[trio.Process, int]:
    """Start ``spoolsim serve`` on a free port; the process and the port it announced."""
    path = tmp_path / "serve.toml"
    path.write_text(scenario)
    command = [sys.executable, "-m", "spoolsim.cli", "serve", str(path), "--rate", "600"]
    command += ["--http", "127.0.0.1:0", *extra]
    proc = await trio.lowlevel.open_process(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ}
    )
    assert proc.stdout is not None
    seen = b""
    while b"\n" not in seen:
        chunk = await proc.stdout.receive_some()
        assert chunk, f"spoolsim serve ended early: {seen!r}"
        seen += chunk
    match = re.search(rb"http://127\.0\.0\.1:(\d+)/metrics", seen)
    assert match, seen
    return proc, int(match.group(1))


async def _finish(proc: trio.Process) -> tuple[int, str]:
    """Ctrl-C, then everything the process printed and its exit code."""
    assert proc.stdout is not None
    proc.send_signal(signal.SIGINT)
    out = b""
    while chunk := await proc.stdout.receive_some():
        out += chunk
    return await proc.wait(), out.decode()


def _get(port: int, path: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
        return response.status, response.headers["Content-Type"], response.read().decode()


async def test_serve_answers_metrics_and_stops_on_ctrl_c_with_the_summary(tmp_path) -> None:
    with trio.fail_after(60):
        proc, port = await _serve(tmp_path)
        try:
            await trio.sleep(2.0)  # 20 simulated minutes at 600x
            status, kind, body = await trio.to_thread.run_sync(_get, port, "/metrics")
        finally:
            code, out = await _finish(proc)
    assert status == 200 and kind.startswith("text/plain")
    assert 'windows_printer_status{printer="Front",status="Idle"}' in body
    simulated = float(re.search(r"^spoolsim_simulated_seconds (\S+)$", body, re.M).group(1))
    assert 300 < simulated < 3600
    assert code == 0, out
    assert "scenario serve-test" in out and "jobs:" in out


async def test_a_real_prometheus_scrapes_spoolsim_serve(tmp_path) -> None:
    prometheus = shutil.which("prometheus")
    if prometheus is None:
        pytest.skip("prometheus is not installed (make tools installs Debian's package)")
    with trio.fail_after(60):
        proc, port = await _serve(tmp_path)
        try:
            command, web = prometheus_command(prometheus, tmp_path, port)
            with (tmp_path / "prometheus.log").open("wb") as log:
                async with trio.open_nursery() as nursery:
                    await nursery.start(
                        functools.partial(
                            trio.run_process, command, stdout=log, stderr=log, check=False
                        )
                    )
                    status = await until(web, "windows_printer_status", lambda got: len(got) == 14)
                    counts = await until(
                        web,
                        "windows_printer_job_count",
                        lambda got: any(v != "0" for v in got.values()),
                    )
                    nursery.cancel_scope.cancel()
        finally:
            code, out = await _finish(proc)
    assert code == 0, out
    assert {tuple(k for k, _ in labels) for labels in status} == {("printer", "status")}
    for printer in ("Front", "Back"):
        mine = [v for labels, v in status.items() if dict(labels)["printer"] == printer]
        assert sorted(mine) == ["0"] * 6 + ["1"]
    assert {dict(labels)["printer"] for labels in counts} == {"Front", "Back"}


def _pjl_status(port: int) -> bytes:
    """What a PJL client (``nc``, a monitor) reads after asking a device for its status."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"\x1b%-12345X@PJL INFO STATUS\r\n")
        reply = b""
        while b"\x0c" not in reply:
            chunk = sock.recv(4096)
            if not chunk:
                break
            reply += chunk
    return reply


async def test_serve_exposes_the_devices_on_real_tcp_ports(tmp_path) -> None:
    with trio.fail_after(60):
        proc, _ = await _serve(tmp_path, "--expose-devices")
        try:
            assert proc.stdout is not None
            seen = b""
            while seen.count(b"device ") < 2:
                seen += await proc.stdout.receive_some()
            raw = {
                name.decode(): int(number)
                for name, number in re.findall(rb"device (\S+): RAW 127\.0\.0\.1:(\d+)", seen)
            }
            assert set(raw) == {"front", "back"}
            reply = await trio.to_thread.run_sync(_pjl_status, raw["front"])
        finally:
            code, out = await _finish(proc)
    assert reply.startswith(b"@PJL INFO STATUS\r\nCODE=")
    assert code == 0, out
    assert "transport wire" in out  # exposed devices speak bytes: the wire path
