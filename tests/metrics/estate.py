"""A small estate driven through the model directly (no runtime), for the metrics tests."""

from __future__ import annotations

from spoolsim.metrics import SimMetrics
from spoolsim.model import Driver, Job, Printer, PrintServer
from spoolsim.model.constants import TCPIP_MONITOR, PortSeverity, PortStatus, PrinterStatus
from spoolsim.model.ports import Port, TcpConfig

DRIVER = "HP Universal Printing PCL 6"


def server(name: str = "PRINTSRV") -> PrintServer:
    s = PrintServer(name)
    s.drivers.add(Driver(DRIVER, "Windows x64", 3, "unidrv.dll", "hpcu.gpd", "unidrvui.dll"))
    return s


def laser(s: PrintServer, name: str, host: str) -> Printer:
    """A printer on a Standard TCP/IP port to ``host``."""
    s.add_port(Port(f"IP_{host}", TCPIP_MONITOR, tcp=TcpConfig(host)), 0)
    return s.add_printer(Printer(name, [f"IP_{host}"], DRIVER), 0)


def spool(s: PrintServer, printer: str, now: float, *, pages: int = 1, size: int = 100) -> Job:
    """StartDoc, the data, ``pages`` EndPages, EndDoc at ``now + 1``."""
    job = s.create_job(
        s.printer(printer), document="doc", datatype=None, user="alice", machine="PC", now=now
    )
    s.write_job(job, b"x" * size, now)
    for _ in range(pages):
        s.end_page(job)
    s.end_doc(job, now + 1)
    return job


def start(s: PrintServer, job: Job, now: float) -> None:
    s.start_job(job, s.printer(job.printer_name).ports[0], now)


def page(s: PrintServer, job: Job, number: int, now: float) -> None:
    """What the port monitor logs when the device delivers a page."""
    s.job_progress(job, pages=number, nbytes=job.size)
    s.log.add(now, "job.page", job.subject, page=number)


def print_job(s: PrintServer, printer: str, now: float, *, pages: int = 2, wait: float = 4.0):
    """A job spooled at ``now + 1``, started ``wait`` later, one page a second, then done."""
    job = spool(s, printer, now, pages=pages)
    start(s, job, now + 1 + wait)
    for n in range(1, pages + 1):
        page(s, job, n, now + 1 + wait + n)
    s.job_sent(job, now + 1 + wait + pages)
    return job


def jam(s: PrintServer, port: str, now: float) -> None:
    s.port_observed(
        s.ports[port.lower()],
        now,
        bits=PrinterStatus.PAPER_JAM,
        status=PortStatus.PAPER_JAM,
        severity=PortSeverity.ERROR,
        code=42202,
    )


def busy(metrics: SimMetrics) -> PrintServer:
    """An estate, attached to ``metrics``, with a sample in every family: jobs printed and
    queued, a jam, supplies, a rejection, a port error and method calls."""
    s = server()
    metrics.attach(s)
    laser(s, "P1", "laser1")
    laser(s, "P2", "laser2")
    print_job(s, "P1", 0, pages=3)
    spool(s, "P2", 10)
    jam(s, "IP_laser2", 12)
    s.ports["ip_laser1"].supplies.update({"toner": 80, "tray1": 45})
    s.log.add(13, "client.rejected", "P1", status=1722)
    s.log.add(14, "port.error", "IP_laser2", reason="refused", retry_in=5.0, failures=1)
    s.log.add(15, "rpc.call", "RpcAsyncOpenPrinter", status=0, user="alice")
    return s
