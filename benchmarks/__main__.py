"""Run every benchmark with its defaults: ``python -m benchmarks`` (``make bench``)."""

import trio

from benchmarks import device_server, runtime

runtime.main([])
print("device server over loopback TCP:")
trio.run(device_server.main, 2000)
