"""The pure domain: server, printers, jobs, forms, drivers, ports; synchronous, time passed in."""

from spoolsim.model.constants import (
    Access,
    JobControl,
    JobStatus,
    PrinterAttributes,
    PrinterControl,
    PrinterEnum,
    PrinterStatus,
    RegType,
    Win32,
    hresult_from_win32,
)
from spoolsim.model.drivers import Driver, DriverStore
from spoolsim.model.errors import SpoolerError
from spoolsim.model.events import Event, EventLog
from spoolsim.model.forms import Form, FormStore
from spoolsim.model.jobs import Job, Phase
from spoolsim.model.ports import Monitor, Port, PrintProcessor
from spoolsim.model.printerdata import DataStore
from spoolsim.model.printers import Printer
from spoolsim.model.security import Principal, SecurityDescriptor
from spoolsim.model.server import PrintServer

__all__ = [
    "Access",
    "DataStore",
    "Driver",
    "DriverStore",
    "Event",
    "EventLog",
    "Form",
    "FormStore",
    "Job",
    "JobControl",
    "JobStatus",
    "Monitor",
    "Phase",
    "Port",
    "Principal",
    "PrintProcessor",
    "PrintServer",
    "Printer",
    "PrinterAttributes",
    "PrinterControl",
    "PrinterEnum",
    "PrinterStatus",
    "RegType",
    "SecurityDescriptor",
    "SpoolerError",
    "Win32",
    "hresult_from_win32",
]
