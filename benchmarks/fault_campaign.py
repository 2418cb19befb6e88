"""Kill ``spoolsim serve`` at random points; check that no acknowledged job is lost or printed
twice.

    python -m benchmarks.fault_campaign [--kills 100] [--seed 1] [--rate 60] [--keep DIR]

A real ``spoolsim serve --spool-dir`` process runs two printers on local ports whose output goes
to files (``--output-dir``), with a rendering cost so that jobs wait and print for a while. A
client thread submits jobs over IPP (Print-Job) as fast as the server answers, each with a
unique document name and a payload that names it at both ends; a job is *acknowledged* when its
Print-Job response (successful-ok, with a job-id) has arrived. At a random moment the process
gets SIGKILL; it is started again on the same directories, and so on ``--kills`` times. A last
run lets every queue drain. Then each acknowledged job's payload must appear, whole, exactly
once in the printers' output files, or, when a kill fell while it was printing (after the
device took its data, before the spool directory's journal recorded it), again from the start
after the restart, as Windows' spooler restarts a job that was printing; those are counted
apart, and there can be at most one per printer per kill. A job the journal records twice, or
output more often than that allows, is a duplicate. The figures: kills, jobs acknowledged, jobs
the restarts restored, printed once, reprinted after a kill cut their printing, lost,
duplicated, jobs printed that were never acknowledged (their response was cut off by a kill),
files quarantined, wall time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from spoolsim.wire import ipp
from spoolsim.wire.ipp import Group, Message, Op, Status, Tag

SCENARIO = """
name = "fault-campaign"
description = "Two printers on local ports that write files; jobs arrive over IPP only"
[simulation]
duration = "100d"
seed = 1
render_cost = { RAW = 1.0 }   # a simulated second per page: jobs wait and print a while
[[ports]]
name = "out-a.prn"
monitor = "local"
[[ports]]
name = "out-b.prn"
monitor = "local"
[[printers]]
name = "A"
ports = ["out-a.prn"]
[[printers]]
name = "B"
ports = ["out-b.prn"]
"""
PRINTERS = ("A", "B")
OUTPUTS = ("out-a.prn", "out-b.prn")


def payload(document: str, pages: int) -> bytes:
    body = b"".join(b"%s page %d\r\n\f" % (document.encode(), n) for n in range(pages))
    return b"<<BEGIN %s>>" % document.encode() + body + b"<<END %s>>" % document.encode()


class Server:
    """One ``spoolsim serve`` process on the campaign's directories."""

    def __init__(self, work: Path, rate: float) -> None:
        command = [sys.executable, "-m", "spoolsim.cli", "serve", str(work / "campaign.toml")]
        command += ["--rate", str(rate), "--http", "127.0.0.1:0"]
        command += ["--spool-dir", str(work / "spool"), "--output-dir", str(work / "out")]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.restored = self.quarantined = 0
        seen, deadline = "", time.monotonic() + 60
        while "serving http://" not in seen:
            line = self.proc.stdout.readline() if self.proc.stdout else ""
            if not line or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"spoolsim serve did not start: {seen}")
            seen += line
        for restored, quarantined in re.findall(
            r"(\d+) job\(s\) restored.*?(\d+) quarantined", seen
        ):
            self.restored += int(restored)
            self.quarantined += int(quarantined)
        self.port = int(re.search(r"serving http://127\.0\.0\.1:(\d+)/", seen).group(1))
        self.startup = seen

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def stop(self) -> str:
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=60)
        return out


def submit(port: int, printer: str, document: str, data: bytes) -> int | None:
    """One Print-Job; the job id once the whole response is in, else None."""
    operation = [
        ipp.charset("attributes-charset", "utf-8"),
        ipp.language("attributes-natural-language", "en"),
        ipp.uri("printer-uri", f"ipp://127.0.0.1:{port}/printers/{printer}/.printer"),
        ipp.name("requesting-user-name", "campaign"),
        ipp.name("job-name", document),
    ]
    body = ipp.encode(Message((1, 1), Op.PRINT_JOB, 1, [Group(Tag.OPERATION, operation)], data))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(
            "POST", f"/printers/{printer}/.printer", body, {"Content-Type": "application/ipp"}
        )
        reply = conn.getresponse()
        message = ipp.decode(reply.read())
    except (OSError, http.client.HTTPException, ipp.IPPError):
        return None
    finally:
        conn.close()
    if message.code != Status.SUCCESSFUL_OK:
        return None
    for group in message.groups:
        for attribute in group.attributes:
            if attribute.name == "job-id":
                return int(attribute.values[0].value)
    return None


def client(port: int, cycle: int, rng: random.Random, acked: dict, stop: threading.Event) -> int:
    """Submit until ``stop`` or the server dies; record acknowledged documents."""
    n = 0
    while not stop.is_set():
        document = f"k{cycle}-{n}"
        data = payload(document, rng.randint(1, 4))
        if submit(port, PRINTERS[n % 2], document, data) is None:
            return n
        acked[document] = data
        n += 1
    return n


def outputs(work: Path) -> dict[str, int]:
    """How many whole payloads of each document the output files hold."""
    text = b"".join(
        (work / "out" / name).read_bytes() for name in OUTPUTS if (work / "out" / name).exists()
    )
    counts: dict[str, int] = {}
    for match in re.finditer(rb"<<BEGIN ([\w-]+)>>.*?<<END \1>>", text, re.S):
        counts[match.group(1).decode()] = counts.get(match.group(1).decode(), 0) + 1
    return counts


def journal(work: Path) -> dict[str, int]:
    """How often the spool directory's journal says each document was printed."""
    counts: dict[str, int] = {}
    path = work / "spool" / "PRINTSRV" / "journal.log"
    for line in path.read_text().splitlines() if path.exists() else ():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line a kill tore
        if entry.get("event") == "printed":
            counts[entry["document"]] = counts.get(entry["document"], 0) + 1
    return counts


def campaign(kills: int, seed: int, rate: float, work: Path) -> dict[str, float]:
    rng = random.Random(seed)
    (work / "out").mkdir(parents=True, exist_ok=True)
    (work / "campaign.toml").write_text(SCENARIO)
    acked: dict[str, bytes] = {}
    restored = quarantined = 0
    started = time.perf_counter()
    for cycle in range(kills):
        server = Server(work, rate)
        restored += server.restored
        quarantined += server.quarantined
        stop = threading.Event()
        thread = threading.Thread(target=client, args=(server.port, cycle, rng, acked, stop))
        thread.start()
        # Sometimes at once (recovery, first dispatch), mostly while jobs flow.
        time.sleep(rng.choice([0.0, rng.uniform(0.0, 0.05), rng.uniform(0.05, 1.0)]))
        server.kill()
        stop.set()
        thread.join(timeout=30)
    last = Server(work, rate)
    restored += last.restored
    quarantined += last.quarantined
    deadline = time.monotonic() + 300
    while any((work / "spool").glob("*/*.SHD")) and time.monotonic() < deadline:
        time.sleep(0.2)  # every restored and queued job prints
    last.stop()
    printed = outputs(work)
    committed = journal(work)
    lost = [d for d in acked if printed.get(d, 0) == 0]
    reprinted = [d for d in acked if printed.get(d, 0) == 2 and committed.get(d) == 1]
    twice = [d for d in acked if printed.get(d, 0) > 1 and d not in reprinted]
    twice += [d for d in acked if committed.get(d, 0) > 1 and d not in twice]
    extra = [d for d in printed if d not in acked]
    return {
        "kills": kills,
        "acknowledged": len(acked),
        "restored": restored,
        "printed": sum(1 for d in acked if printed.get(d, 0) == 1),
        "reprinted_after_kill": len(reprinted),
        "lost": len(lost),
        "duplicated": len(twice),
        "unacknowledged_printed": len(extra),
        "quarantined": quarantined,
        "wall_s": time.perf_counter() - started,
        "examples": ", ".join((lost + twice)[:5]),
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=float, default=60.0)
    parser.add_argument("--keep", metavar="DIR", help="work here and keep it (default: a temp dir)")
    args = parser.parse_args(argv)
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="spoolsim-faults-"))
    try:
        figures = campaign(args.kills, args.seed, args.rate, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    for key, value in figures.items():
        shown = f"{value:.1f}" if isinstance(value, float) else value
        print(f"{key:>24}: {shown}")
    return figures


if __name__ == "__main__":
    result = main()
    too_many = result["reprinted_after_kill"] > len(PRINTERS) * result["kills"]
    sys.exit(1 if result["lost"] or result["duplicated"] or too_many else 0)
