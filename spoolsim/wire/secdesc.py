"""Self-relative security descriptors (MS-DTYP 2.4.6) with allow-ACE DACLs, to and from bytes.

Only what the print protocols carry: an owner SID, no group, no SACL, and a DACL of
ACCESS_ALLOWED_ACE entries. SIDs are written as strings (``S-1-5-32-544``).
"""

from __future__ import annotations

import struct

SE_DACL_PRESENT = 0x0004
SE_SELF_RELATIVE = 0x8000
ACCESS_ALLOWED_ACE_TYPE = 0
ACL_REVISION = 2


class SecurityDescriptorError(ValueError):
    """Bytes that are not a self-relative descriptor of the kind we read."""


def sid_to_bytes(sid: str) -> bytes:
    parts = sid.split("-")
    if len(parts) < 3 or parts[0].upper() != "S" or parts[1] != "1":
        raise SecurityDescriptorError(f"not a SID: {sid!r}")
    authority, subs = int(parts[2]), [int(p) for p in parts[3:]]
    return (
        struct.pack("<BB", 1, len(subs))
        + authority.to_bytes(6, "big")
        + struct.pack(f"<{len(subs)}I", *subs)
    )


def sid_from_bytes(data: bytes, offset: int) -> tuple[str, int]:
    """The SID at ``offset`` and the offset just past it."""
    if offset + 8 > len(data):
        raise SecurityDescriptorError(f"SID at {offset} runs past the end")
    rev, count = data[offset], data[offset + 1]
    end = offset + 8 + 4 * count
    if rev != 1:
        raise SecurityDescriptorError(f"SID at {offset} has revision {rev}, not 1")
    if end > len(data):
        raise SecurityDescriptorError(f"SID at {offset} runs past the end ({count} subauthorities)")
    authority = int.from_bytes(data[offset + 2 : offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "-".join(["S", "1", str(authority), *map(str, subs)]), end


def encode(owner: str, aces: list[tuple[str, int]]) -> bytes:
    """A self-relative descriptor: owner SID, then a DACL of (SID, mask) allow-ACEs."""
    owner_b = sid_to_bytes(owner)
    ace_bytes = b""
    for sid, mask in aces:
        sid_b = sid_to_bytes(sid)
        ace_bytes += struct.pack("<BBHI", ACCESS_ALLOWED_ACE_TYPE, 0, 8 + len(sid_b), mask) + sid_b
    dacl = struct.pack("<BBHHH", ACL_REVISION, 0, 8 + len(ace_bytes), len(aces), 0) + ace_bytes
    owner_off = 20
    dacl_off = owner_off + len(owner_b)
    header = struct.pack(
        "<BBHIIII", 1, 0, SE_SELF_RELATIVE | SE_DACL_PRESENT, owner_off, 0, 0, dacl_off
    )
    return header + owner_b + dacl


def decode(data: bytes) -> tuple[str | None, list[tuple[str, int]]]:
    """Owner SID (or None) and the allow-ACEs of a self-relative descriptor."""
    if len(data) < 20:
        raise SecurityDescriptorError(f"descriptor of {len(data)} bytes is shorter than its header")
    rev, _, control, owner_off, _, _, dacl_off = struct.unpack_from("<BBHIIII", data)
    if rev != 1 or not control & SE_SELF_RELATIVE:
        raise SecurityDescriptorError("not a self-relative descriptor")
    owner = sid_from_bytes(data, owner_off)[0] if owner_off else None
    aces: list[tuple[str, int]] = []
    if control & SE_DACL_PRESENT and dacl_off:
        if dacl_off + 8 > len(data):
            raise SecurityDescriptorError("DACL runs past the end")
        _, _, _, count, _ = struct.unpack_from("<BBHHH", data, dacl_off)
        pos = dacl_off + 8
        for _ in range(count):
            if pos + 8 > len(data):
                raise SecurityDescriptorError("ACE runs past the end")
            kind, _, size, mask = struct.unpack_from("<BBHI", data, pos)
            if size < 8:
                raise SecurityDescriptorError(f"ACE of size {size}")
            if kind == ACCESS_ALLOWED_ACE_TYPE:
                aces.append((sid_from_bytes(data, pos + 8)[0], mask))
            pos += size
    return owner, aces
