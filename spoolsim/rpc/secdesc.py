"""Model descriptors (trustee names) to wire descriptors (SIDs) and back."""

from __future__ import annotations

import zlib

from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.security import Ace, SecurityDescriptor
from spoolsim.wire import secdesc

WELL_KNOWN = {
    "Everyone": "S-1-1-0",
    "CREATOR OWNER": "S-1-3-0",
    "ANONYMOUS LOGON": "S-1-5-7",
    "SYSTEM": "S-1-5-18",
    "Administrators": "S-1-5-32-544",
    "Users": "S-1-5-32-545",
    "Print Operators": "S-1-5-32-550",
}
_BY_SID = {sid: name for name, sid in WELL_KNOWN.items()}
DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"
_users: dict[str, str] = {}


def sid_of(name: str) -> str:
    """A stable SID for a trustee: well-known ones by table, users by a hash of the name."""
    if name in WELL_KNOWN:
        return WELL_KNOWN[name]
    sid = f"{DOMAIN}-{1000 + zlib.crc32(name.lower().encode()) % 1_000_000}"
    _users[sid] = name
    return sid


def name_of(sid: str) -> str:
    return _BY_SID.get(sid) or _users.get(sid) or sid


def encode_descriptor(sd: SecurityDescriptor) -> bytes:
    return secdesc.encode(sid_of(sd.owner), [(sid_of(a.trustee), a.mask) for a in sd.aces])


def decode_descriptor(data: bytes) -> SecurityDescriptor:
    try:
        owner, aces = secdesc.decode(data)
    except secdesc.SecurityDescriptorError as err:
        raise SpoolerError(Win32.ERROR_INVALID_SECURITY_DESCR, str(err)) from None
    return SecurityDescriptor(
        name_of(owner) if owner else "SYSTEM", tuple(Ace(name_of(s), m) for s, m in aces)
    )
