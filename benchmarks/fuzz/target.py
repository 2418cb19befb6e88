"""The product under fuzzing: a real ``spoolsim serve`` process with every front end exposed.

:func:`start` writes a small estate (two printers, each on its own virtual device; web users and
anonymous access; DCE/RPC users and anonymous access) to a scratch directory and runs::

    python -m spoolsim.cli serve fuzz-target.toml --http 127.0.0.1:0 --rpc 127.0.0.1:0 --epm 0
        --expose-devices --rate R

then reads the addresses it announces. An operator refills paper and toner a simulated minute after
a device stops for them, so the devices keep printing (and freeing their job memory) however
many pages the fuzzer's jobs hold. The process's memory comes from ``/proc/<pid>/status``:
``VmHWM`` (the peak resident set) and ``VmRSS`` (the current one); writing ``5`` to
``/proc/<pid>/clear_refs`` resets the peak, so each front end's peak is its own.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys
import time

import attrs

SCENARIO = """\
name = "fuzz-target"
description = "The estate benchmarks.fuzz attacks: two printers on two exposed devices"
[simulation]
duration = "10000h"
drain = "1h"
seed = 1
refill_after = "1m"
[web]
anonymous = true
[[web.users]]
name = "admin"
password = "admin"
admin = true
[[web.users]]
name = "alice"
password = "alice"
[rpc]
anonymous = true
[[rpc.users]]
name = "alice"
password = "alice"
[[rpc.users]]
name = "root"
password = "root"
admin = true
[[devices]]
name = "dev1"
profile = "hp-lj-pro-m404"
[[devices]]
name = "dev2"
profile = "hp-lj-pro-m404"
[[ports]]
name = "IP_dev1"
host = "dev1"
[[ports]]
name = "IP_dev2"
host = "dev2"
[[printers]]
name = "Fuzz1"
ports = ["IP_dev1"]
[[printers]]
name = "Fuzz2"
ports = ["IP_dev2"]
"""
PRINTERS = ("Fuzz1", "Fuzz2")
WEB_USERS = {"admin": "admin", "alice": "alice"}
RPC_USERS = {"alice": "alice", "root": "root"}
HOST = "127.0.0.1"

_HTTP = re.compile(r"serving http://[^:]+:(\d+)/")
_RPC = re.compile(r"ncacn_ip_tcp:[^\[]+\[(\d+)\]")
_EPM = re.compile(r"endpoint mapper: [^ ]+:(\d+)")
_DEVICE = re.compile(r"device (\S+): RAW [^ ]+:(\d+)\s+LPD [^ ]+:(\d+)")


def _kb(status: str, field: str) -> int | None:
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(match[1]) if match else None


@attrs.define
class Target:
    """A running ``spoolsim serve`` and where its front ends listen."""

    proc: subprocess.Popen
    workdir: pathlib.Path
    http: int
    rpc: int
    epm: int
    devices: dict[str, tuple[int, int]]  # name -> (RAW port, LPD port)

    @property
    def raw_ports(self) -> list[int]:
        return [raw for raw, _ in self.devices.values()]

    @property
    def lpd_ports(self) -> list[int]:
        return [lpd for _, lpd in self.devices.values()]

    def alive(self) -> bool:
        """The process has not exited."""
        return self.proc.poll() is None

    def memory(self) -> tuple[int | None, int | None]:
        """(peak RSS, current RSS) in kB; None when the process is gone."""
        try:
            status = pathlib.Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None, None
        return _kb(status, "VmHWM"), _kb(status, "VmRSS")

    def reset_peak(self) -> bool:
        """Make ``VmHWM`` start again from the current RSS (Linux ``clear_refs`` 5)."""
        try:
            pathlib.Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")
        except OSError:
            return False
        return True

    def stderr(self) -> str:
        """Everything the process wrote to stderr so far."""
        return (self.workdir / "stderr.txt").read_text(errors="replace")

    def stop(self) -> int | None:
        """Ctrl-C, then the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def start(workdir: pathlib.Path, *, rate: float = 60.0, timeout: float = 60.0) -> Target:
    """Run ``spoolsim serve`` on the fuzz estate; return once every front end is announced.

    Raises:
        RuntimeError: it exited or did not announce its addresses within ``timeout`` seconds.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    scenario = workdir / "fuzz-target.toml"
    scenario.write_text(SCENARIO)
    out, err = workdir / "stdout.txt", workdir / "stderr.txt"
    command = [sys.executable, "-m", "spoolsim.cli", "serve", str(scenario), "--rate", str(rate)]
    command += ["--http", f"{HOST}:0", "--rpc", f"{HOST}:0", "--epm", "0", "--expose-devices"]
    root = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr, cwd=root, env=env)
    deadline = time.monotonic() + timeout
    while True:
        text = out.read_text(errors="replace")
        devices = {m[1]: (int(m[2]), int(m[3])) for m in _DEVICE.finditer(text)}
        http, rpc, epm = _HTTP.search(text), _RPC.search(text), _EPM.search(text)
        if http and rpc and epm and len(devices) == 2:
            return Target(proc, workdir, int(http[1]), int(rpc[1]), int(epm[1]), devices)
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            raise RuntimeError(f"spoolsim serve did not start:\n{text}\n{err.read_text()}")
        time.sleep(0.05)
