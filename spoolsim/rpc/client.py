"""An in-process client bound to a principal, so calls read like the spec.

    client = Client(surface, user("alice"))
    r = client.RpcAsyncOpenPrinter("Laser1", None, None, PRINTER_ACCESS_USE)
    client.RpcAsyncStartDocPrinter(r.pHandle, Container(1, {"pDocName": "report"}))

Every registered method is reachable by its spec name or, with :meth:`Client.call`, by opnum.
"""

from __future__ import annotations

import functools
from typing import Any

from spoolsim.model.security import Principal
from spoolsim.rpc.core import BY_NAME, Reply, Surface


class Client:
    def __init__(self, surface: Surface, principal: Principal) -> None:
        self.surface = surface
        self.principal = principal
        self.session = surface.open_session(principal)

    def call(self, name_or_opnum: str | int, *args: Any, **kwargs: Any) -> Reply:
        return self.surface.invoke(self.session, name_or_opnum, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in BY_NAME:
            return functools.partial(self.call, name)
        raise AttributeError(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(BY_NAME))
