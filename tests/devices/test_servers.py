"""Real clients against the device servers: ``nc`` on AppSocket, ``rlpr`` and ``lpr`` on LPD.

``make tools`` installs them (Debian packages netcat-openbsd, rlpr, lpr).

* ``nc -N`` (netcat-openbsd) shuts its sending side down at the end of its input and reads on
  until the device closes, so every PJL reply is on its stdout when it exits.
* ``rlpr`` talks RFC 1179 itself: ``rlpr -H host --port=N -P queue file`` goes straight to any
  host and port. As root it would send from one of the 11 privileged ports RFC 1179 3.1 allows
  (721-731); it closes first, so each run leaves one in TIME_WAIT for a minute and a dozen runs
  in a row fail to bind. The device does not check the source port, so the test passes ``-N``.
* Debian's ``lpr`` (OpenBSD lpr) cannot: it spools into the printcap's ``sd`` directory and wakes
  the local ``lpd`` through ``/dev/printer``; that ``lpd`` sends the job to ``rm`` on the
  ``printer`` port of ``/etc/services`` (515). (``lp=port@host`` would make lpd write raw
  bytes to a port, which is AppSocket, not LPD.) The test therefore runs a private ``lpd`` in
  its own mount and PID namespaces (root only): a printcap and a services file naming the test
  server are bind-mounted over ``/etc/printcap`` and ``/etc/services``, fresh tmpfs cover
  ``/run`` and ``/dev`` (lpd's pid file and socket), and the lpd dies with the namespace.
  ``rm`` must not be an address of the host's own name: lpd takes such a printer for a local
  one, and this host's name resolves to 127.0.0.1, so the server listens on 127.0.0.2.
  Installing the ``lpr`` package does not start a listening daemon here (Debian's default
  ``/etc/default/lpd`` passes ``-s``: no network socket; and no init runs in the container).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import attrs
import pytest
import trio

from spoolsim.wire import pjl
from tests.devices.test_lpd import FAST, PJL_JOB, RecordingPrinter, running


def need(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (make tools installs them)")


async def nc(port: int, data: bytes) -> list[pjl.Reply]:
    result = await trio.run_process(
        ["nc", "-N", "127.0.0.1", str(port)], stdin=data, capture_stdout=True
    )
    conn = pjl.PJLConnection(pjl.Role.HOST)
    if result.stdout:
        conn.receive_data(result.stdout)
    conn.receive_data(b"")  # nc exits when the device closes
    replies = []
    while isinstance(event := conn.next_event(), pjl.Reply):
        replies.append(event)
    assert isinstance(event, pjl.EndOfStream), event
    return replies


async def printed(printer: RecordingPrinter, jobs: int) -> None:
    while len(printer.printed) < jobs:
        await trio.sleep(0.01)


INFO = b"@PJL INFO STATUS\r\n@PJL INFO PAGECOUNT\r\n"


async def test_nc_sends_a_pjl_job_and_reads_status() -> None:
    need("nc")
    with trio.fail_after(10):
        # Half a second of warm-up: the INFO right behind the job finds the engine warming.
        async with running(attrs.evolve(FAST, warmup_s=0.5)) as (printer, where):
            replies = await nc(where.raw_port, PJL_JOB + INFO)
            assert [r.category for r in replies] == ["INFO STATUS", "INFO PAGECOUNT"]
            assert replies[0].fields()["CODE"] == "10003"  # woken by the job: warming up
            assert replies[1].fields()["PAGECOUNT"] == "0"
            assert printer.submitted == [("pjl", 3)]
            await printed(printer, 1)
            replies = await nc(where.raw_port, pjl.UEL + INFO + pjl.UEL)
            assert replies[0].code == 10001
            assert replies[1].fields()["PAGECOUNT"] == "3"


async def test_rlpr_prints_to_the_lpd_server(tmp_path) -> None:
    need("rlpr")
    document = tmp_path / "two-pages.txt"
    document.write_bytes(b"page one\fpage two\f")
    with trio.fail_after(10):
        async with running() as (printer, where):
            port = f"--port={where.lpd_port}"
            command = ["rlpr", "-N", "-H", "127.0.0.1", port, "-P", "raw", "-J", "memo"]
            result = await trio.run_process(
                [*command, str(document)], capture_stdout=True, capture_stderr=True, check=False
            )
            assert result.returncode == 0, result.stderr.decode(errors="replace")
            assert printer.submitted == [("memo", 2)]
            await printed(printer, 1)
            assert printer.printed == [2]
            assert printer.errors == []


PRINTCAP = """sim|spoolsim virtual printer:\\
\t:lp=:rm=127.0.0.2:rp=raw:sd={spool}:lf={spool}/log:mx#0:sh:
"""
UNSHARE = ["unshare", "--mount", "--pid", "--fork", "--propagation", "private"]
# Runs as PID 1 of a fresh PID namespace: when it exits, its lpd goes with it.
PRIVATE_LPD = """set -e
mount --bind "$WORK/printcap" /etc/printcap
mount --bind "$WORK/services" /etc/services
mount -t tmpfs tmpfs /run
mkdir "$WORK/dev" && mount --rbind /dev "$WORK/dev"
mount -t tmpfs tmpfs /dev
for node in null zero random urandom; do
  touch "/dev/$node" && mount --bind "$WORK/dev/$node" "/dev/$node"
done
/usr/sbin/lpd -s
lpr -P sim -J "lpr job" "$WORK/doc.txt"
while ls "$WORK"/spool/cf* >/dev/null 2>&1; do sleep 0.05; done
"""


async def test_lpr_prints_through_a_private_lpd_to_the_lpd_server() -> None:
    need("lpr", "unshare")
    if os.geteuid() != 0 or not os.path.exists("/usr/sbin/lpd"):
        pytest.skip("lpr needs an lpd; running a private one takes root and /usr/sbin/lpd")
    work = tempfile.mkdtemp(prefix="spoolsim-lpr-")  # lpd runs as user lp: not under tmp_path
    try:
        os.chmod(work, 0o755)
        os.mkdir(spool := os.path.join(work, "spool"))
        os.chmod(spool, 0o777)
        with open(os.path.join(work, "doc.txt"), "wb") as file:
            file.write(b"one\ftwo\fthree\f")
        with trio.fail_after(20):
            async with running(host="127.0.0.2") as (printer, where):
                with open("/etc/services") as file:
                    services = [ln for ln in file if not ln.startswith("printer")]
                services.append(f"printer\t\t{where.lpd_port}/tcp\n")
                with open(os.path.join(work, "services"), "w") as file:
                    file.writelines(services)
                with open(os.path.join(work, "printcap"), "w") as file:
                    file.write(PRINTCAP.format(spool=spool))
                await trio.run_process(
                    [*UNSHARE, "sh", "-c", PRIVATE_LPD],
                    env={**os.environ, "WORK": work},
                    capture_stdout=True,
                    capture_stderr=True,
                )
                while not printer.submitted:  # lpd deletes the job after the last ack
                    await trio.sleep(0.01)
                assert printer.submitted == [("lpr job", 3)]
                await printed(printer, 1)
                assert printer.errors == []
    except subprocess.CalledProcessError as exc:
        pytest.fail(f"private lpd failed: {exc.stderr.decode(errors='replace')}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
