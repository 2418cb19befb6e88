"""An in-process client bound to a principal, so calls read like the spec.

    client = Client(surface, user("alice"))
    r = client.RpcAsyncOpenPrinter("Laser1", None, None, PRINTER_ACCESS_USE)
    client.RpcAsyncStartDocPrinter(r.pHandle, Container(1, {"pDocName": "report"}))

Every registered method is reachable by its spec name or, with :meth:`Client.call`, by opnum.
"""

from __future__ import annotations

import functools
from typing import Any

from spoolsim.model.constants import Win32
from spoolsim.model.security import Principal
from spoolsim.rpc.core import BY_NAME, Reply, Surface
from spoolsim.wire.info import LAYOUTS
from spoolsim.wire.marshal import unpack


class Client:
    def __init__(self, surface: Surface, principal: Principal) -> None:
        self.surface = surface
        self.principal = principal
        self.session = surface.open_session(principal)

    def call(self, name_or_opnum: str | int, *args: Any, **kwargs: Any) -> Reply:
        return self.surface.invoke(self.session, name_or_opnum, *args, **kwargs)

    def fetch(
        self, name: str, *args: Any, family: str, level: int, out: str
    ) -> tuple[int, list[dict[str, object]]]:
        """A Get* or Enum* call made as clients make it: once with no buffer to learn the size,
        then with the size told; the structures come back decoded.

        Args:
            name: the method, e.g. ``RpcAsyncEnumJobs``.
            args: its arguments before ``Level`` and ``cbBuf``.
            family: the structure family (``JOB_INFO``, ``PRINTER_INFO``, ...).
            level: the info level.
            out: the out-parameter holding the buffer (``pJob``, ``pPrinter``, ...).

        Returns:
            The status, and the structures (empty on failure).
        """
        reply = self.call(name, *args, level, 0)
        if reply.status in (Win32.ERROR_INSUFFICIENT_BUFFER, Win32.ERROR_MORE_DATA):
            reply = self.call(name, *args, level, reply.pcbNeeded)
        if reply.status:
            return reply.status, []
        count = reply.out.get("pcReturned", 1)
        return 0, unpack(LAYOUTS[(family, level)], reply.out[out], count)

    def __getattr__(self, name: str) -> Any:
        if name in BY_NAME:
            return functools.partial(self.call, name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(BY_NAME))
