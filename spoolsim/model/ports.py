"""Ports, port monitors and print processors."""

from __future__ import annotations

import attrs

from spoolsim.model.constants import PortSeverity, PortStatus, PortType


@attrs.define(eq=False)
class Port:
    """A port. ``config`` holds what the monitor needs (a file path; host, port number, protocol,
    LPR queue and byte counting for a Standard TCP/IP port)."""

    name: str
    monitor: str
    description: str = ""
    port_type: PortType = PortType.WRITE | PortType.READ
    status: PortStatus = PortStatus.CLEAR
    severity: PortSeverity = PortSeverity.NONE
    status_text: str = ""
    config: dict[str, object] = attrs.Factory(dict)


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
