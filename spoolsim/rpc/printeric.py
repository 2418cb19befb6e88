"""Printer information contexts: opnums 35-37 (MS-RPRN 3.1.4.2.10-3.1.4.2.12).

Theory of operation
-------------------
An information context (IC) is what GDI on a client asks a print server for when it only needs to
*ask* a printer something, not print on it: chiefly which fonts the device itself holds, so that
text laid out on the client matches what the printer will draw. The three calls form a small life
cycle of their own, beside the printer handle they start from:

``RpcAsyncCreatePrinterIC`` takes a printer handle (a printer object, not a server, job or port
handle) and an optional DEVMODE, and returns a new context handle (a ``GDI_HANDLE``) of kind
:attr:`~spoolsim.rpc.core.HandleKind.IC`, bound to the same printer and owned by the caller's
session. The spec tells the server to trust the printer handle without a further access check, so
the only refusals are a bad handle (ERROR_INVALID_HANDLE) and a malformed DEVMODE container
(ERROR_INVALID_PARAMETER, the DEVMODE_CONTAINER rules of 3.1.4.1.8.1, see :func:`devmode_from`).
The IC lives on after the printer handle that made it is closed; only DeletePrinterIC ends it
(a GDI_HANDLE is not a PRINTER_HANDLE, so ClosePrinter refuses it).

``RpcAsyncPlayGdiScriptOnPrinterIC`` is, despite its name, a font query. The spec has the server
ignore ``pIn``, ``cIn`` and ``ul`` altogether (clients send NULL/0), so there is no script to
interpret and a ``cIn`` that disagrees with ``pIn`` is not an error. What the server returns is
the device's font list: a DWORD count followed by that many 8-byte UNIVERSAL_FONT_ID records
(``Checksum``, ``Index``; checksum 0 marks a device font), in a buffer of exactly ``cOut`` bytes.
Clients call twice, as with the buffer contract elsewhere: first with ``cOut = 4`` to learn the
count, then with ``4 + 8 * count`` bytes to get the records. A ``cOut`` below 4, or above 4 but
too small for every record, is ERROR_NOT_ENOUGH_MEMORY (that is the spec's code here, not
ERROR_INSUFFICIENT_BUFFER). The bytes after the records, when ``cOut`` is larger than needed,
are zero.

The virtual printers of this simulator render everything the driver sends and hold no resident
fonts, so :func:`device_fonts` reports none: the answer is always a count of 0. The structure is
still written in full so that a driver model with device fonts only has to change that function.

``RpcAsyncDeletePrinterIC`` frees the context and returns NULL in ``phPrinterIC``. Only an IC
handle of the caller's session qualifies; anything else, including an IC already deleted, is
ERROR_INVALID_HANDLE. Nothing else on the server changes. A DeletePrinterIC succeeds even when the
printer behind the IC has since been deleted, as closing a handle would.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from spoolsim.model.constants import Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.printers import Printer
from spoolsim.rpc.core import Call, Container, HandleKind, HandleState, Reply, method

# _DEVMODE (MS-RPRN 2.2.2.1): a truncated public part must still run from dmDeviceName through
# dmFields: 64 (dmDeviceName) + 2 + 2 + 2 + 2 (dmSpecVersion, dmDriverVersion, dmSize,
# dmDriverExtra) + 4 (dmFields) bytes. dmSize and dmDriverExtra are the WORDs at 68 and 70.
DEVMODE_MIN_SIZE = 76
_DM_SIZES = struct.Struct("<HH")
_DM_SIZES_AT = 68

# PlayGdiScriptOnPrinterIC output: a DWORD font count, then UNIVERSAL_FONT_ID records (2.2.2.12).
_COUNT = struct.Struct("<I")
UNIVERSAL_FONT_ID = struct.Struct("<II")  # Checksum, Index
DWORD_MAX = 0xFFFFFFFF


def devmode_from(container: Container | None) -> bytes | None:
    """The DEVMODE a DEVMODE_CONTAINER carries, checked as MS-RPRN 3.1.4.1.8.1 asks.

    The container's ``info`` holds ``pDevMode`` (bytes or None) and, optionally, ``cbBuf`` (its
    length on the wire; defaults to ``len(pDevMode)``). A missing container or a NULL
    ``pDevMode`` means "no DEVMODE" and returns None. Otherwise ERROR_INVALID_PARAMETER unless
    ``cbBuf`` is the length of ``pDevMode``, the public part reaches dmFields, and
    ``dmSize + dmDriverExtra`` fits in ``cbBuf``.

    Returns:
        The DEVMODE cut to its declared ``dmSize + dmDriverExtra`` bytes, or None.
    """
    info = container.info if container is not None else None
    dm = (info or {}).get("pDevMode")
    if dm is None:
        return None
    if not isinstance(dm, bytes | bytearray):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, "pDevMode is not a byte buffer")
    cb = (info or {}).get("cbBuf")
    cb = len(dm) if cb is None else cb
    if cb != len(dm):
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"cbBuf {cb} but {len(dm)} bytes")
    if len(dm) < DEVMODE_MIN_SIZE:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"DEVMODE of {len(dm)} bytes")
    dm_size, dm_extra = _DM_SIZES.unpack_from(dm, _DM_SIZES_AT)
    if dm_size < DEVMODE_MIN_SIZE:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"dmSize {dm_size}")
    if dm_size + dm_extra > cb:
        raise SpoolerError(
            Win32.ERROR_INVALID_PARAMETER,
            f"dmSize {dm_size} + dmDriverExtra {dm_extra} exceed cbBuf {cb}",
        )
    return bytes(dm[: dm_size + dm_extra])


def device_fonts(printer: Printer) -> Sequence[tuple[int, int]]:
    """The fonts resident in ``printer``'s device, as (Checksum, Index) pairs.

    The simulator's devices hold none: every glyph arrives rendered or downloaded in the job.
    """
    return ()


@method(35)
def RpcAsyncCreatePrinterIC(
    call: Call, hPrinter: bytes, pDevModeContainer: Container | None
) -> Reply:
    state = call.handle(hPrinter, HandleKind.PRINTER)
    devmode_from(pDevModeContainer)
    # No access check (the spec trusts the printer handle), and the IC carries no rights.
    ic = HandleState(HandleKind.IC, call.session.id, 0, state.printer)
    return Reply(0, {"pHandle": call.surface.new_handle(ic)})


@method(36)
def RpcAsyncPlayGdiScriptOnPrinterIC(
    call: Call, hPrinterIC: bytes, pIn: bytes | None, cIn: int, cOut: int, ul: int
) -> Reply:
    """pIn, cIn and ul MUST be ignored on receipt (MS-RPRN 3.1.4.2.11)."""
    state = call.handle(hPrinterIC, HandleKind.IC)
    if cOut is None or not 0 <= cOut <= DWORD_MAX:
        raise SpoolerError(Win32.ERROR_INVALID_PARAMETER, f"cOut {cOut!r}")
    fonts = device_fonts(state.printer)
    needed = _COUNT.size + UNIVERSAL_FONT_ID.size * len(fonts)
    if cOut < _COUNT.size or (cOut > _COUNT.size and cOut < needed):
        raise SpoolerError(Win32.ERROR_NOT_ENOUGH_MEMORY, f"cOut {cOut}, {needed} needed")
    out = bytearray(cOut)
    _COUNT.pack_into(out, 0, len(fonts))
    if cOut > _COUNT.size:
        for i, font in enumerate(fonts):
            UNIVERSAL_FONT_ID.pack_into(out, _COUNT.size + i * UNIVERSAL_FONT_ID.size, *font)
    return Reply(0, {"pOut": bytes(out)})


@method(37)
def RpcAsyncDeletePrinterIC(call: Call, phPrinterIC: bytes) -> Reply:
    state = call.surface.lookup(phPrinterIC, call.session)
    if state is None or state.kind is not HandleKind.IC:
        raise SpoolerError(Win32.ERROR_INVALID_HANDLE, "not a printer information context")
    call.surface.drop_handle(phPrinterIC)
    return Reply(0, {"phPrinterIC": None})
