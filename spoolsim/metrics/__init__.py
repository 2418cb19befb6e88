"""Prometheus metrics of a simulation: one registry per run, and ``/metrics`` over HTTP."""

from spoolsim.metrics.http import metrics_handler
from spoolsim.metrics.registry import CONTENT_TYPE, DEFAULT_BUCKETS, SimMetrics
from spoolsim.metrics.windows import win32_job_status, win32_printer_status

__all__ = [
    "CONTENT_TYPE",
    "DEFAULT_BUCKETS",
    "SimMetrics",
    "metrics_handler",
    "win32_job_status",
    "win32_printer_status",
]
