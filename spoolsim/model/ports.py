"""Ports, port monitors and print processors."""

from __future__ import annotations

import attrs

from spoolsim.model.constants import PortSeverity, PortStatus, PortType, PrinterStatus

RAW, LPR = "RAW", "LPR"


@attrs.frozen
class TcpConfig:
    """A Standard TCP/IP port's settings (the fields of the monitor's PORT_DATA_1).

    Attributes:
        host: the device's address.
        port_number: 9100 for RAW (AppSocket), 515 for LPR.
        protocol: ``RAW`` or ``LPR``.
        queue: the LPR queue name.
        byte_count: LPR byte counting; off sends the data file with size 0, ending at close.
        bidi: talk PJL status with the device (RAW only).
    """

    host: str
    port_number: int = 9100
    protocol: str = RAW
    queue: str = "lp"
    byte_count: bool = True
    bidi: bool = True

    def __attrs_post_init__(self) -> None:
        if self.protocol not in (RAW, LPR):
            raise ValueError(f"protocol must be RAW or LPR, not {self.protocol!r}")
        if not 0 < self.port_number < 65536:
            raise ValueError(f"port number {self.port_number} is out of range")


@attrs.define(eq=False)
class Port:
    """A port. ``config`` holds monitor data; ``tcp`` a Standard TCP/IP port's settings.

    The device fields are the port monitor's last view of the device behind the port (what bidi
    reports): its PJL status code, the printer status bits derived from it, supplies in percent.
    """

    name: str
    monitor: str
    description: str = ""
    port_type: PortType = PortType.WRITE | PortType.READ
    status: PortStatus = PortStatus.CLEAR
    severity: PortSeverity = PortSeverity.NONE
    status_text: str = ""
    config: dict[str, object] = attrs.Factory(dict)
    tcp: TcpConfig | None = None
    device_code: int | None = None
    device_bits: PrinterStatus = PrinterStatus.OK
    supplies: dict[str, int] = attrs.Factory(dict)
    page_count: int | None = None


@attrs.frozen
class Monitor:
    name: str
    environment: str
    dll: str


@attrs.frozen
class PrintProcessor:
    name: str
    environment: str
    dll: str
    datatypes: tuple[str, ...]

    def supports(self, datatype: str) -> bool:
        return datatype.lower() in (d.lower() for d in self.datatypes)
