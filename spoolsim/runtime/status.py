"""From a device's PJL status code to what Windows shows: printer, port and job status.

A port monitor with bidi learns the device's state as a PJL status code (``INFO STATUS``,
``USTATUS DEVICE``). This table says which PRINTER_STATUS_* bits the printer shows for it, which
PORT_STATUS_* and severity the port reports (PORT_INFO_3), and which JOB_STATUS_* bits a job the
device is printing carries. Codes not listed map by their class: 10xxx informational, 30xxx/35xxx
auto-continuable warnings, 40xxx operator intervention, 41xxx paper out (41xyy), 42xxx jams
(HP PJL Technical Reference, "Status codes" appendix, groups by leading digits).
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import JobStatus, PortSeverity, PortStatus, PrinterStatus

S, P, J = PrinterStatus, PortStatus, JobStatus
SEV = PortSeverity


@attrs.frozen
class DeviceState:
    printer: PrinterStatus
    port: PortStatus
    severity: PortSeverity
    job: JobStatus

    @property
    def stopped(self) -> bool:
        """The device cannot go on printing until the condition clears."""
        return self.severity is SEV.ERROR


_OK = DeviceState(S.OK, P.CLEAR, SEV.NONE, J.QUEUED)

CODES: dict[int, DeviceState] = {
    10001: _OK,  # ready, online
    10002: DeviceState(S.OFFLINE, P.OFFLINE, SEV.ERROR, J.OFFLINE),  # ready, offline
    10003: DeviceState(S.WARMING_UP, P.WARMING_UP, SEV.INFO, J.QUEUED),
    10006: DeviceState(S.TONER_LOW, P.TONER_LOW, SEV.WARNING, J.QUEUED),
    10023: DeviceState(S.PRINTING, P.CLEAR, SEV.NONE, J.QUEUED),
    35078: DeviceState(S.POWER_SAVE, P.POWER_SAVE, SEV.INFO, J.QUEUED),
    40021: DeviceState(S.DOOR_OPEN, P.DOOR_OPEN, SEV.ERROR, J.ERROR | J.USER_INTERVENTION),
    40022: DeviceState(S.PAPER_JAM, P.PAPER_JAM, SEV.ERROR, J.ERROR),
    40038: DeviceState(S.NO_TONER, P.NO_TONER, SEV.ERROR, J.ERROR),
    40079: DeviceState(S.OFFLINE, P.OFFLINE, SEV.ERROR, J.OFFLINE),
}
_PAPER_OUT = DeviceState(S.PAPER_OUT, P.PAPER_OUT, SEV.ERROR, J.ERROR | J.PAPEROUT)
_JAM = CODES[40022]
_INTERVENTION = DeviceState(S.USER_INTERVENTION, P.USER_INTERVENTION, SEV.ERROR, J.ERROR)
# The device did not answer at all: what the monitor reports for an unreachable port.
UNREACHABLE = DeviceState(S.OFFLINE, P.OFFLINE, SEV.ERROR, J.ERROR | J.OFFLINE)


def device_state(code: int | None) -> DeviceState:
    """What a PJL status code means for the printer, the port and the job being printed."""
    if code is None:
        return _OK
    if code in CODES:
        return CODES[code]
    group = code // 1000
    if group == 41:
        return _PAPER_OUT
    if group == 42:
        return _JAM
    if group == 40:
        return _INTERVENTION
    return _OK
