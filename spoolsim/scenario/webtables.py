"""Reading the network front ends' settings (``[web]``, ``[rpc]``) from a scenario file.

``[web]`` says whose site ``spoolsim serve`` shows (``server``, the first server by default),
whether requests without credentials are served (``anonymous``, true by default) and, in
``[[web.users]]``, the accounts HTTP basic authentication accepts (``name``, ``password``,
``admin``). A client group's ``web_connect_within`` has each client connect to its printer
from the printer's web page (Connect) within that time, from a browser whose security ``zone``
for the server is ``local``, ``intranet`` (the default), ``trusted``, ``internet`` or
``restricted``, with ``protected_mode`` (true by default); once connected, it prints over IPP.

``[rpc]`` says the same for the DCE/RPC front end (``spoolsim serve --rpc``): ``server``,
``anonymous`` (true by default: unauthenticated binds call as ANONYMOUS LOGON) and, in
``[[rpc.users]]``, the accounts NTLM accepts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from spoolsim.model.clients import DEFAULT_ZONE, ZONES
from spoolsim.net.settings import RpcSettings, WebSettings, WebUser
from spoolsim.scenario import reader as r
from spoolsim.scenario.lines import Path

WEB_KEYS = ("server", "anonymous", "users")
RPC_KEYS = WEB_KEYS
CLIENT_WEB_KEYS = ("web_connect_within", "zone", "protected_mode")
USER_KEYS = ("name", "password", "admin")


class WebReader(r.Reader):
    """Mixed into the loader: the ``[web]`` table."""

    server_names: r.Names

    def web(self, data: Mapping[str, Any]) -> tuple[Path, WebSettings]:
        path: Path = ("web",)
        if "web" not in data:
            return path, WebSettings()
        table = self.table(data["web"], path, WEB_KEYS)
        users, anonymous, server = self._accounts(table, path)
        return path, WebSettings(users=users, anonymous=anonymous, server=server)

    def rpc(self, data: Mapping[str, Any]) -> tuple[Path, RpcSettings]:
        path: Path = ("rpc",)
        if "rpc" not in data:
            return path, RpcSettings()
        table = self.table(data["rpc"], path, RPC_KEYS)
        users, anonymous, server = self._accounts(table, path)
        return path, RpcSettings(users=users, anonymous=anonymous, server=server)

    def _accounts(
        self, table: Mapping[str, Any], path: Path
    ) -> tuple[tuple[WebUser, ...], bool, str | None]:
        """A front end's ``users``, ``anonymous`` and ``server`` keys."""
        users, seen = [], r.Names(f"{path[0]} user", self)
        for upath, entry in self.tables(table, "users", path):
            self.table(entry, upath, USER_KEYS)
            name = self.field(entry, upath, "name", r.text(forbid=":"))
            password = self.field(entry, upath, "password", r.text(empty=True))
            is_admin = self.field(entry, upath, "admin", r.boolean, False)
            if seen.add(name, (*upath, "name")) and password is not None:
                users.append(WebUser(name, password, bool(is_admin)))
        anonymous = self.field(table, path, "anonymous", r.boolean, True)
        if anonymous is False and not users:
            self.problem(
                (*path, "anonymous"), f"false, but [[{path[0]}.users]] lists nobody to log in"
            )
        server = self.field(table, path, "server", r.text(), None)
        return tuple(users), anonymous is not False, server

    def client_web_fields(self, table: Mapping[str, Any], path: Path) -> dict[str, Any]:
        return {
            "web_connect_within": self.field(
                table, path, "web_connect_within", r.duration(positive=False), None
            ),
            "zone": self.field(table, path, "zone", r.one_of(tuple(ZONES)), DEFAULT_ZONE),
            "protected_mode": self.field(table, path, "protected_mode", r.boolean, True),
        }

    def resolve_server(self, path: Path, settings: WebSettings | RpcSettings) -> Any:
        """``settings`` with its ``server`` spelled as the estate spells it."""
        if settings.server is None:
            return settings
        name = self.server_names.resolve(settings.server, (*path, "server"))
        return attrs.evolve(settings, server=name)
