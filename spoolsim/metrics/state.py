"""Series read from the model at scrape time: queue depth, printer and device status, supplies.

Nothing here runs per event: each scrape walks the attached servers' printers and ports once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from prometheus_client.core import GaugeMetricFamily, Metric

from spoolsim.model.constants import PortStatus, PrinterStatus
from spoolsim.model.server import PrintServer

# Every PRINTER_STATUS bit, named as the spec does without the PRINTER_STATUS_ prefix.
PRINTER_STATUS_BITS: tuple[tuple[str, int], ...] = tuple(
    (bit.name or str(int(bit)), int(bit)) for bit in PrinterStatus if int(bit)
)
# Every PORT_STATUS value (PORT_INFO_3.dwStatus), named without the PORT_STATUS_ prefix; CLEAR
# is 0, no condition.
PORT_STATUS_VALUES: tuple[tuple[str, int], ...] = tuple(
    (status.name, int(status)) for status in PortStatus
)


def state_families(servers: Iterable[PrintServer]) -> Iterator[Metric]:
    """The scrape-time spoolsim_* families for ``servers``."""
    depth = GaugeMetricFamily(
        "spoolsim_queue_depth",
        "Jobs in the printer's queue (spooling, waiting or printing)",
        labels=["server", "printer"],
    )
    printer_status = GaugeMetricFamily(
        "spoolsim_printer_status",
        "1 when the printer shows the PRINTER_STATUS bit, its own or its devices', else 0",
        labels=["server", "printer", "status"],
    )
    device_status = GaugeMetricFamily(
        "spoolsim_device_status",
        "1 for the PORT_STATUS the port monitor reports for the device behind the port, else 0",
        labels=["server", "port", "status"],
    )
    device_code = GaugeMetricFamily(
        "spoolsim_device_status_code",
        "The device's last PJL status code as the port monitor read it",
        labels=["server", "port"],
    )
    supplies = GaugeMetricFamily(
        "spoolsim_supply_level_percent",
        "Consumable level in percent as the device reports it",
        labels=["server", "port", "supply"],
    )
    for server in servers:
        sname = server.name
        for printer in server.printers.values():
            labels = [sname, printer.name]
            depth.add_metric(labels, len(printer.queue))
            bits = int(printer.full_status)
            for name, bit in PRINTER_STATUS_BITS:
                printer_status.add_metric([sname, printer.name, name], 1.0 if bits & bit else 0.0)
        for port in server.ports.values():
            if port.tcp is None:
                continue  # a local port has no device behind it
            current = int(port.status)
            for name, value in PORT_STATUS_VALUES:
                device_status.add_metric([sname, port.name, name], 1.0 if value == current else 0.0)
            if port.device_code is not None:
                device_code.add_metric([sname, port.name], port.device_code)
            for supply, level in port.supplies.items():
                supplies.add_metric([sname, port.name, supply], level)
    yield from (depth, printer_status, device_status, device_code, supplies)
