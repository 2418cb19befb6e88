"""Prometheus metrics of a simulation: one registry per run, exposed at ``/metrics``."""

from spoolsim.metrics.registry import CONTENT_TYPE, DEFAULT_BUCKETS, SimMetrics
from spoolsim.metrics.windows import win32_job_status, win32_printer_status

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "SimMetrics",
    "win32_job_status",
    "win32_printer_status",
]
