"""Reading the web site's settings from a scenario file.

``[web]`` says whose site ``spoolsim serve`` shows (``server``, the first server by default),
whether requests without credentials are served (``anonymous``, true by default) and, in
``[[web.users]]``, the accounts HTTP basic authentication accepts (``name``, ``password``,
``admin``). A client group's ``web_connect_within`` has each client connect to its printer
from the printer's web page (Connect) within that time, from a browser whose security ``zone``
for the server is ``local``, ``intranet`` (the default), ``trusted``, ``internet`` or
``restricted``, with ``protected_mode`` (true by default); once connected, it prints over IPP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spoolsim.model.clients import DEFAULT_ZONE, ZONES
from spoolsim.net.settings import WebSettings, WebUser
from spoolsim.scenario import reader as r
from spoolsim.scenario.lines import Path

WEB_KEYS = ("server", "anonymous", "users")
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
        users, seen = [], r.Names("web user", self)
        for upath, entry in self.tables(table, "users", path):
            self.table(entry, upath, USER_KEYS)
            name = self.field(entry, upath, "name", r.text(forbid=":"))
            password = self.field(entry, upath, "password", r.text(empty=True))
            is_admin = self.field(entry, upath, "admin", r.boolean, False)
            if seen.add(name, (*upath, "name")) and password is not None:
                users.append(WebUser(name, password, bool(is_admin)))
        anonymous = self.field(table, path, "anonymous", r.boolean, True)
        if anonymous is False and not users:
            self.problem((*path, "anonymous"), "false, but [[web.users]] lists nobody to log in")
        settings = WebSettings(
            users=tuple(users),
            anonymous=anonymous is not False,
            server=self.field(table, path, "server", r.text(), None),
        )
        return path, settings

    def client_web_fields(self, table: Mapping[str, Any], path: Path) -> dict[str, Any]:
        return {
            "web_connect_within": self.field(
                table, path, "web_connect_within", r.duration(positive=False), None
            ),
            "zone": self.field(table, path, "zone", r.one_of(tuple(ZONES)), DEFAULT_ZONE),
            "protected_mode": self.field(table, path, "protected_mode", r.boolean, True),
        }

    def resolve_web(self, path: Path, settings: WebSettings) -> WebSettings:
        if settings.server is None:
            return settings
        name = self.server_names.resolve(settings.server, (*path, "server"))
        return WebSettings(settings.users, settings.anonymous, settings.realm, name)
