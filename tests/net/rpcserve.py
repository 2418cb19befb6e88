"""A real ``spoolsim serve --rpc`` process for the DCE/RPC client tests (impacket, rpcclient)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import attrs

from tests.scenario.test_runner import estate

PRINTERS = ["Laser1", *(f"Floor{i:02d}-Printer-With-A-Long-Name" for i in range(1, 25))]
USERS = """
[rpc]
anonymous = true
[[rpc.users]]
name = "alice"
password = "Pa55word!"
[[rpc.users]]
name = "root"
password = "Adm1n!"
admin = true
"""
SCENARIO = (
    """
name = "rpc-test"
[simulation]
duration = "8h"
seed = 3
"""
    + estate(*PRINTERS)
    + USERS
)


@attrs.frozen
class Served:
    proc: subprocess.Popen
    host: str
    http: int
    rpc: int
    epm: int | None

    def metrics(self) -> str:
        url = f"http://127.0.0.1:{self.http}/metrics"
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode()

    def stop(self) -> str:
        """Ctrl-C; everything the process printed (it must exit 0 or 1, not crash)."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=30)
        assert self.proc.returncode in (0, 1), out
        return out


def start(tmp_path, *, host: str = "127.0.0.1", epm: int | None = None, rate: float = 60) -> Served:
    """``spoolsim serve`` with the test scenario, DCE/RPC on a free port of ``host``."""
    path = tmp_path / "rpc.toml"
    path.write_text(SCENARIO)
    command = [sys.executable, "-m", "spoolsim.cli", "serve", str(path), "--rate", str(rate)]
    command += ["--http", "127.0.0.1:0", "--rpc", f"{host}:0"]
    if epm is not None:
        command += ["--epm", str(epm)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ}
    )
    assert proc.stdout is not None
    seen, deadline = "", time.monotonic() + 60
    wanted = "endpoint mapper" if epm is not None else "DCE/RPC"
    while wanted not in seen:
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"spoolsim serve did not announce {wanted}: {seen}")
        seen += line
    http = int(re.search(r"http://127\.0\.0\.1:(\d+)/metrics", seen).group(1))
    rpc = int(re.search(r"ncacn_ip_tcp:[\d.]+\[(\d+)\]", seen).group(1))
    mapper = re.search(r"endpoint mapper: [\d.]+:(\d+)", seen)
    return Served(proc, host, http, rpc, int(mapper.group(1)) if mapper else None)
