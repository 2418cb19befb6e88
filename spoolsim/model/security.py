"""Principals, security descriptors and the access check.

Theory of operation
-------------------
A *principal* is who makes a call: a user name, the machine it calls from, and the groups it belongs
to. Objects (the server, each printer, each job) carry a :class:`SecurityDescriptor`: an owner and a
list of allow-ACEs naming a user or a group. The access check maps any GENERIC_* bits through the
object's generic mapping (fact sheet 4c), grants the union of the masks of every ACE that names the
principal (the pseudo-trustee ``CREATOR OWNER`` names the object's owner), and succeeds when every
requested bit is granted. ``MAXIMUM_ALLOWED`` asks for whatever is grantable, and is refused
when nothing is. Whoever holds PRINTER_ACCESS_ADMINISTER on a printer (or on its jobs, which the
printer's descriptor governs) holds PRINTER_ACCESS_MANAGE_LIMITED too: the limited right's
permissions "are a subset of those associated with PRINTER_ACCESS_ADMINISTER", which lets a user
with that permission "gain PRINTER_ACCESS_MANAGE_LIMITED access" (WDK, IPrinterPropertyBag remarks,
Windows 8.1 and later).

Installing a driver (RpcAsyncAddPrinterDriver, RpcAsyncInstallPrinterDriverFromPackage,
RpcAsyncUploadPrinterDriverPackage) takes more than SERVER_ACCESS_ADMINISTER: since the August 2021
updates (KB5005652; RestrictDriverInstallationToAdministrators, 1 when absent) Windows requires an
administrator, so a group the server's descriptor delegates "Manage Server" to may add printers
and ports but not drivers (:func:`driver_install_refusal`).

Default descriptors follow Windows' own defaults for a print server: everyone may print and manage
their own documents; Administrators and Print Operators manage printers, documents and the server.
"""

from __future__ import annotations

import attrs

from spoolsim.model.constants import GENERIC_BITS, Access

EVERYONE = "Everyone"
ADMINISTRATORS = "Administrators"
PRINT_OPERATORS = "Print Operators"
CREATOR_OWNER = "CREATOR OWNER"
ANONYMOUS = "ANONYMOUS LOGON"


@attrs.frozen
class Principal:
    """Who calls: user, the machine the call comes from, and the groups the user belongs to."""

    user: str
    machine: str = "CLIENT"
    groups: frozenset[str] = frozenset({EVERYONE})

    @property
    def is_admin(self) -> bool:
        return ADMINISTRATORS in self.groups

    def names(self) -> frozenset[str]:
        """Every trustee name that designates this principal."""
        return self.groups | {self.user}


def user(name: str, machine: str = "CLIENT") -> Principal:
    """An ordinary interactive user."""
    return Principal(name, machine, frozenset({EVERYONE, "Users"}))


def admin(name: str = "Administrator", machine: str = "CLIENT") -> Principal:
    """A member of the local Administrators group."""
    return Principal(name, machine, frozenset({EVERYONE, "Users", ADMINISTRATORS}))


def operator(name: str, machine: str = "CLIENT") -> Principal:
    """A member of Print Operators: manages printers and documents, not the server's drivers."""
    return Principal(name, machine, frozenset({EVERYONE, "Users", PRINT_OPERATORS}))


def machine_account(host: str) -> Principal:
    """A computer's own account (``HOST$``), as a service on it calls other servers."""
    return Principal(f"{host}$", host, frozenset({EVERYONE, "Domain Computers"}))


def anonymous(machine: str = "CLIENT") -> Principal:
    return Principal("ANONYMOUS", machine, frozenset({ANONYMOUS}))


@attrs.frozen
class GenericMapping:
    read: int = attrs.field(converter=int)
    write: int = attrs.field(converter=int)
    execute: int = attrs.field(converter=int)
    all: int = attrs.field(converter=int)

    def map(self, mask: int) -> int:
        """Replace GENERIC_* bits by the object-specific rights they stand for."""
        mask = int(mask)  # plain ints: IntFlag arithmetic costs a microsecond per operator
        out = mask & ~_GENERIC
        if mask & _GENERIC_READ:
            out |= self.read
        if mask & _GENERIC_WRITE:
            out |= self.write
        if mask & _GENERIC_EXECUTE:
            out |= self.execute
        if mask & _GENERIC_ALL:
            out |= self.all
        return out


_GENERIC, _GENERIC_READ, _GENERIC_WRITE = (
    int(GENERIC_BITS),
    int(Access.GENERIC_READ),
    int(Access.GENERIC_WRITE),
)
_GENERIC_EXECUTE, _GENERIC_ALL = int(Access.GENERIC_EXECUTE), int(Access.GENERIC_ALL)
_PRINTER_ADMINISTER = int(Access.PRINTER_ACCESS_ADMINISTER)
_MANAGE_LIMITED = int(Access.PRINTER_ACCESS_MANAGE_LIMITED)

SERVER_MAPPING = GenericMapping(
    Access.SERVER_READ, Access.SERVER_WRITE, Access.SERVER_EXECUTE, Access.SERVER_ALL_ACCESS
)
PRINTER_MAPPING = GenericMapping(
    Access.PRINTER_READ, Access.PRINTER_WRITE, Access.PRINTER_EXECUTE, Access.PRINTER_ALL_ACCESS
)
JOB_MAPPING = GenericMapping(
    Access.JOB_READ, Access.JOB_WRITE, Access.JOB_EXECUTE, Access.JOB_ALL_ACCESS
)


@attrs.frozen
class Ace:
    """An allow-ACE: ``trustee`` (a user, a group or CREATOR OWNER) is granted ``mask``."""

    trustee: str
    mask: int


@attrs.frozen
class SecurityDescriptor:
    owner: str
    aces: tuple[Ace, ...]

    def granted(self, principal: Principal, owner: str | None = None) -> int:
        """The union of rights the ACEs give ``principal``.

        Args:
            principal: the caller.
            owner: the owner that CREATOR OWNER stands for (a job's submitter); defaults to the
                descriptor's own owner.
        """
        names = principal.names()
        owner = self.owner if owner is None else owner
        mask = 0
        for ace in self.aces:
            if ace.trustee in names or (ace.trustee == CREATOR_OWNER and principal.user == owner):
                mask |= ace.mask
        return mask


MANAGE_EVERYTHING = Access.PRINTER_ALL_ACCESS | Access.JOB_ALL_ACCESS


def default_printer_security(owner: str = "SYSTEM") -> SecurityDescriptor:
    """Print for everyone, manage own documents, full control for admins and print operators."""
    return SecurityDescriptor(
        owner,
        (
            Ace(EVERYONE, Access.PRINTER_EXECUTE),
            Ace(CREATOR_OWNER, Access.JOB_ALL_ACCESS),
            Ace(ADMINISTRATORS, MANAGE_EVERYTHING),
            Ace(PRINT_OPERATORS, MANAGE_EVERYTHING),
        ),
    )


def default_server_security() -> SecurityDescriptor:
    """Everyone may enumerate; Administrators administer the server.

    Print Operators get enumerate only: installing drivers and changing server settings is an
    administrator's right on current Windows.
    """
    return SecurityDescriptor(
        "SYSTEM",
        (
            Ace(EVERYONE, Access.SERVER_EXECUTE),
            Ace(PRINT_OPERATORS, Access.SERVER_EXECUTE),
            Ace(ADMINISTRATORS, Access.SERVER_ALL_ACCESS),
        ),
    )


def check(
    sd: SecurityDescriptor,
    principal: Principal,
    desired: int,
    mapping: GenericMapping,
    owner: str | None = None,
) -> tuple[bool, int]:
    """The access check.

    Args:
        sd: the object's descriptor.
        principal: the caller.
        desired: the requested access mask (GENERIC_* and MAXIMUM_ALLOWED allowed).
        mapping: the object's generic mapping.
        owner: who CREATOR OWNER stands for.

    Returns:
        ``(allowed, granted_mask)``: granted_mask is what a handle opened with ``desired`` holds.
    """
    available = mapping.map(sd.granted(principal, owner))
    if mapping is not SERVER_MAPPING and available & _PRINTER_ADMINISTER:
        available |= _MANAGE_LIMITED  # implied by PRINTER_ACCESS_ADMINISTER (module docstring)
    wanted = mapping.map(desired)
    if wanted & Access.MAXIMUM_ALLOWED:
        # As AccessCheck does: whatever is grantable, and a refusal when nothing is.
        return available != 0, available
    wanted &= ~Access.SYNCHRONIZE
    return (wanted & ~available) == 0, wanted


def driver_install_refusal(principal: Principal) -> str | None:
    """Why ``principal`` may not install a printer driver on a server (None: it may).

    RestrictDriverInstallationToAdministrators at its default, 1 (KB5005652: updates from August
    2021 "require administrative privilege to install drivers"), on top of the
    SERVER_ACCESS_ADMINISTER the server's descriptor must grant. The simulated server has no
    switch for 0.
    """
    if principal.is_admin:
        return None
    return "RestrictDriverInstallationToAdministrators is 1 and the caller is not an administrator"
