"""``python -m devices``: run as a real process, on real TCP, stopped by a real SIGINT."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import trio

from devices.profile import list_profiles, load_profile
from tests.devices.test_lpd import PJL_JOB
from tests.devices.test_servers import INFO, nc, need

DEVICES = [sys.executable, "-m", "devices"]


async def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(20):
        return await trio.run_process(
            [*DEVICES, *args], check=False, capture_stdout=True, capture_stderr=True
        )


async def test_profiles_lists_every_profile() -> None:
    result = await run("profiles")
    assert result.returncode == 0
    lines = result.stdout.decode().splitlines()
    assert [line.split()[0] for line in lines] == list_profiles()
    m404 = load_profile("hp-lj-pro-m404")
    assert any(m404.model in line and "38 ppm" in line for line in lines)


class Output:
    """A child's stdout, read line by line as it comes."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self.stream, self.text = stream, ""

    async def wait_for(self, pattern: str) -> re.Match[str]:
        while (match := re.search(pattern, self.text)) is None:
            chunk = await self.stream.receive_some()
            assert chunk, f"the process ended before printing {pattern!r}:\n{self.text}"
            self.text += chunk.decode()
        return match


async def test_serve_prints_addresses_takes_a_job_and_stops_on_sigint(
    nursery: trio.Nursery,
) -> None:
    need("nc")
    command = [*DEVICES, "serve", "--profile", "hp-lj-pro-m404", "--raw-port", "0"]
    command += ["--lpd-port", "0", "--rate", "2"]
    with trio.fail_after(20):
        process = await nursery.start(
            lambda task_status: trio.run_process(
                command, stdout=subprocess.PIPE, check=False, task_status=task_status
            )
        )
        out = Output(process.stdout)
        raw = int((await out.wait_for(r"AppSocket/PJL listening on 127\.0\.0\.1:(\d+)"))[1])
        await out.wait_for(r"LPD listening on 127\.0\.0\.1:(\d+)")
        replies = await nc(raw, PJL_JOB + INFO)
        assert replies[0].code == 10003  # 4 s of warm-up at rate 2
        await out.wait_for(r"job 1 received: 'pjl', 3 page\(s\)")
        await out.wait_for(r"status 10003 Warming up")
        process.send_signal(signal.SIGINT)
        await out.wait_for(r"stopping \(SIGINT\): 1 job\(s\) received")
        assert await process.wait() == 0


async def test_bad_arguments_exit_2_naming_the_problem(tmp_path) -> None:
    result = await run("serve", "--profile", "no-such-printer")
    assert result.returncode == 2
    assert "no shipped profile named 'no-such-printer'" in result.stderr.decode()

    faults = tmp_path / "faults.toml"
    faults.write_text('[[faults]]\nkind = "fire"\nat_time = 5\n')
    result = await run("serve", "--profile", "hp-lj-pro-m404", "--faults", str(faults))
    assert result.returncode == 2
    assert "faults[0].kind" in result.stderr.decode()

    result = await run("serve", "--profile", "hp-lj-pro-m404", "--rate", "0")
    assert result.returncode == 2
    assert "--rate" in result.stderr.decode()
