"""CUPS's ipptool (Debian's ``cups-ipp-utils``; ``make tools`` installs it) against the IPP
endpoint of a real ``spoolsim serve`` process.

The standard ``ipp-1.1.test`` runs unchanged, copied beside the small documents it prints (the
Debian package ships the test files without them). A Print-Job of a small file then travels the
whole way: IPP, the spooler's queue, the port monitor, the virtual device, and is counted.
"""

from __future__ import annotations

import pathlib
import re
import shutil
import subprocess
import urllib.request

import pytest
import trio

from tests.scenario.test_runner import estate
from tests.scenario.test_serve import _finish, _serve

IPPTOOL = shutil.which("ipptool")
TESTS = pathlib.Path("/usr/share/cups/ipptool")
pytestmark = pytest.mark.skipif(
    IPPTOOL is None or not (TESTS / "ipp-1.1.test").exists(),
    reason="ipptool is not installed (make tools installs Debian's cups-ipp-utils)",
)

SCENARIO = """
name = "ipp-test"
[simulation]
duration = "8h"
seed = 5
""" + estate("Laser1")
# What ipp-1.1.test prints besides -f's file; their content is passed through as RAW data.
DOCUMENTS = {
    "testfile.txt": b"spoolsim IPP test page\r\n\f",
    "document-a4.pdf": b"%PDF-1.4\n% spoolsim A4 test document\n%%EOF\n",
    "document-letter.pdf": b"%PDF-1.4\n% spoolsim Letter test document\n%%EOF\n",
    "document-a4.ps": b"%!PS-Adobe-3.0\n%%Title: A4\nshowpage\n",
    "document-letter.ps": b"%!PS-Adobe-3.0\n%%Title: Letter\nshowpage\n",
    "color.jpg": b"\xff\xd8\xff\xe0spoolsim colour\xff\xd9",
    "gray.jpg": b"\xff\xd8\xff\xe0spoolsim grey\xff\xd9",
}
PRINT_AND_WAIT = """\
{
    NAME "Print-Job of a small text file"
    OPERATION Print-Job
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR name requesting-user-name alice
    ATTR name job-name "ipptool page"
    ATTR mimeMediaType document-format text/plain
    FILE $filename
    STATUS successful-ok
    EXPECT job-id OF-TYPE integer WITH-VALUE >0
}
{
    NAME "Get-Job-Attributes until the job completes"
    OPERATION Get-Job-Attributes
    GROUP operation-attributes-tag
    ATTR charset attributes-charset utf-8
    ATTR naturalLanguage attributes-natural-language en
    ATTR uri printer-uri $uri
    ATTR integer job-id $job-id
    STATUS successful-ok
    EXPECT job-state WITH-VALUE 9 REPEAT-NO-MATCH REPEAT-LIMIT 60
    EXPECT job-originating-user-name WITH-VALUE alice
}
"""


async def _ipptool(workdir: pathlib.Path, port: int, test: str, document: str) -> str:
    uri = f"ipp://127.0.0.1:{port}/printers/Laser1/.printer"
    command = [IPPTOOL, "-V", "1.1", "-t", "-f", document, uri, test]
    done = await trio.run_process(
        command, cwd=workdir, capture_stdout=True, stderr=subprocess.STDOUT, check=False
    )
    out = done.stdout.decode()
    assert done.returncode == 0, out
    return out


def _metric(port: int, name: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    found = re.search(rf'^{name}{{printer="Laser1",server="PRINTSRV"}} (\S+)$', body, re.M)
    return float(found.group(1)) if found else 0.0


async def test_the_standard_ipp_1_1_test_passes(tmp_path) -> None:
    work = tmp_path / "ipptool"
    work.mkdir()
    shutil.copy(TESTS / "ipp-1.1.test", work)
    for name, data in DOCUMENTS.items():
        (work / name).write_bytes(data)
    with trio.fail_after(120):
        proc, port = await _serve(tmp_path, "--rate", "120", scenario=SCENARIO)
        try:
            out = await _ipptool(work, port, "ipp-1.1.test", "testfile.txt")
        finally:
            code, log = await _finish(proc)
    summary = re.search(r"Summary: (\d+) tests, (\d+) passed, (\d+) failed, (\d+) skipped", out)
    assert summary, out
    tests, passed, failed, skipped = map(int, summary.groups())
    assert failed == 0 and passed + skipped == tests, out
    # Every operation the printer offers is exercised; the skips are the optional features it
    # does not advertise (Print-URI, Send-URI, copies, duplex, 2-up, JPEG, job-hold-until).
    assert passed >= 33, out
    for name in ("Print-Job Operation", "Create-Job Operation", "Send-Document Operation"):
        assert re.search(rf"{name}\s+\[PASS\]", out), name
    assert code == 0, log


async def test_an_ipptool_print_job_reaches_the_device_and_is_counted(tmp_path) -> None:
    (tmp_path / "print.test").write_text(PRINT_AND_WAIT)
    (tmp_path / "page.txt").write_bytes(b"one page from ipptool\r\n\f")
    with trio.fail_after(120):
        proc, port = await _serve(tmp_path, "--rate", "120", scenario=SCENARIO)
        try:
            before = await trio.to_thread.run_sync(_metric, port, "spoolsim_jobs_completed_total")
            out = await _ipptool(tmp_path, port, "print.test", "page.txt")
            completed = await trio.to_thread.run_sync(
                _metric, port, "spoolsim_jobs_completed_total"
            )
            pages = await trio.to_thread.run_sync(_metric, port, "spoolsim_pages_printed_total")
        finally:
            code, log = await _finish(proc)
    assert "Summary: 2 tests, 2 passed, 0 failed" in out, out
    assert (before, completed, pages) == (0.0, 1.0, 1.0)
    assert code == 0, log
    assert re.search(r"\b1 completed\b|completed\s+1\b", log), log
