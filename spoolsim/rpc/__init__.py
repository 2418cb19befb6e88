"""The MS-PAR method surface over the model: handles, access checks, validation, buffers."""

from spoolsim.rpc import (  # noqa: F401
    bidi,
    branchoffice,
    connections,
    data,
    drivers,
    forms,
    jobprops,
    jobs,
    notify,
    packages,
    ports,
    printeric,
    printers,
    readreset,
    xcv,
)
from spoolsim.rpc.client import Client
from spoolsim.rpc.core import BY_NAME, METHODS, Container, HandleKind, Reply, Surface

__all__ = ["BY_NAME", "METHODS", "Client", "Container", "HandleKind", "Reply", "Surface"]
