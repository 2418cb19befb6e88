"""Run every benchmark with its defaults: ``python -m benchmarks`` (``make bench``)."""

from benchmarks import runtime

runtime.main([])
