"""Printers: configuration, status and the queue of jobs in position order."""

from __future__ import annotations

import attrs

from spoolsim.model.constants import (
    DEF_PRIORITY,
    WINPRINT,
    PrinterAttributes,
    PrinterStatus,
)
from spoolsim.model.printerdata import DataStore
from spoolsim.model.security import SecurityDescriptor, default_printer_security

# MAX_PRINTER_NAME in winspool.h headers (Wine, MinGW) is 220 characters.
MAX_PRINTER_NAME = 220
# Characters Windows refuses in a printer name.
BAD_NAME_CHARS = frozenset(",\\!")


def within_hours(start: int, until: int, minute_of_day: int) -> bool:
    """Whether a StartTime/UntilTime window (minutes after midnight) admits ``minute_of_day``.

    Equal bounds mean "always"; a window may wrap past midnight.
    """
    if start == until:
        return True
    if start < until:
        return start <= minute_of_day < until
    return minute_of_day >= start or minute_of_day < until


def printer_name_ok(name: str | None) -> bool:
    return bool(name) and len(name) <= MAX_PRINTER_NAME and not (set(name) & BAD_NAME_CHARS)


@attrs.define(eq=False)
class Printer:
    """A print queue. ``ports`` has more than one entry for a printer pool."""

    name: str
    ports: list[str]
    driver_name: str
    share_name: str = ""
    comment: str = ""
    location: str = ""
    sep_file: str = ""
    print_processor: str = WINPRINT
    datatype: str = "RAW"
    parameters: str = ""
    attributes: PrinterAttributes = PrinterAttributes.QUEUED | PrinterAttributes.LOCAL
    priority: int = DEF_PRIORITY
    default_priority: int = 0
    start_time: int = 0
    until_time: int = 0
    status: PrinterStatus = PrinterStatus.OK
    # What the port monitors report of the devices behind the printer's ports (OR of the ports).
    device_status: PrinterStatus = PrinterStatus.OK
    security: SecurityDescriptor = attrs.Factory(default_printer_security)
    devmode: bytes | None = None
    object_guid: str = ""
    ds_action: int = 0
    device_not_selected_timeout: int = 15000
    transmission_retry_timeout: int = 45000
    data: DataStore = attrs.Factory(DataStore)
    queue: list[int] = attrs.Factory(list)
    pending_deletion: bool = False
    total_jobs: int = 0
    total_bytes: int = 0
    total_pages: int = 0
    created: float = 0.0

    @property
    def shared(self) -> bool:
        return bool(self.attributes & PrinterAttributes.SHARED)

    @property
    def port_name(self) -> str:
        """PRINTER_INFO_2.pPortName: a pool's ports joined by commas."""
        return ",".join(self.ports)

    @property
    def full_status(self) -> PrinterStatus:
        bits = self.status | self.device_status
        if self.pending_deletion:
            bits |= PrinterStatus.PENDING_DELETION
        return PrinterStatus(bits)

    def position(self, job_id: int) -> int:
        """1-based position of a job in this queue."""
        return self.queue.index(job_id) + 1

    def within_hours(self, minute_of_day: int) -> bool:
        return within_hours(self.start_time, self.until_time, minute_of_day)
