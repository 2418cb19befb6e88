"""Who may use the web site: its accounts and whether anonymous requests are served."""

from __future__ import annotations

import attrs


@attrs.frozen
class WebUser:
    """A user of the web site, as the scenario's ``[[web.users]]`` lists them."""

    name: str
    password: str
    admin: bool = False


@attrs.frozen
class WebSettings:
    """Who may use the site.

    Attributes:
        users: the accounts HTTP basic authentication accepts.
        anonymous: whether a request without credentials is served (as IUSR).
        realm: the basic-authentication realm.
        server: the print server whose site it is (the first server when None).
    """

    users: tuple[WebUser, ...] = ()
    anonymous: bool = True
    realm: str = "spoolsim"
    server: str | None = None
