"""The living spooler on Trio: deadline loop, scheduling, port monitors, virtual network."""

from spoolsim.runtime.loop import DeadlineLoop
from spoolsim.runtime.network import TcpNetwork, VirtualNetwork
from spoolsim.runtime.open import LivingSpooler, open_estate, open_spooler
from spoolsim.runtime.spooler import DEFAULT_RENDER_COST, RuntimeConfig, Spooler

__all__ = [
    "DEFAULT_RENDER_COST",
    "DeadlineLoop",
    "LivingSpooler",
    "RuntimeConfig",
    "Spooler",
    "TcpNetwork",
    "VirtualNetwork",
    "open_estate",
    "open_spooler",
]
