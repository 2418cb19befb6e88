"""Who may use the network front ends (the web site, DCE/RPC): their accounts and whether
anonymous callers are served."""

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


@attrs.frozen
class RpcSettings:
    """Who may call the DCE/RPC front end, as the scenario's ``[rpc]`` table says.

    Attributes:
        users: the accounts NTLM accepts (``admin`` ones are local Administrators).
        anonymous: whether an unauthenticated association (or NTLM's anonymous logon) may call;
            it calls as ANONYMOUS LOGON, a member of Everyone only.
        server: the print server served (the first server when None).
    """

    users: tuple[WebUser, ...] = ()
    anonymous: bool = True
    server: str | None = None
