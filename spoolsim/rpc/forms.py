"""Forms (MS-PAR 3.1.4.4): add, delete, get, set and enumerate.

Changing forms takes SERVER_ACCESS_ADMINISTER on a server handle or PRINTER_ACCESS_ADMINISTER on a
printer handle, unless the server's AllowUserManageForms value is non-zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from spoolsim.model.constants import STRING_NONE, Access, FormFlags, Win32
from spoolsim.model.errors import SpoolerError
from spoolsim.model.forms import Form
from spoolsim.rpc.core import Call, Container, HandleKind, Reply, buffered, check_level, method
from spoolsim.rpc.records import form_info

FORM_LEVELS = (1, 2)
ANY = (HandleKind.SERVER, HandleKind.PRINTER)


def _check_manage(call: Call, hPrinter: bytes) -> None:
    state = call.handle(hPrinter, *ANY)
    if call.server.settings.get("AllowUserManageForms"):
        return
    need = (
        Access.SERVER_ACCESS_ADMINISTER
        if state.kind is HandleKind.SERVER
        else Access.PRINTER_ACCESS_ADMINISTER
    )
    if state.granted & need != need:
        raise SpoolerError(Win32.ERROR_ACCESS_DENIED, "managing forms")


def _form(container: Container) -> Form:
    check_level(container.Level, FORM_LEVELS)
    info: Mapping[str, Any] = container.info or {}
    if not info.get("pName"):
        raise SpoolerError(Win32.ERROR_INVALID_FORM_NAME, "pName is empty")
    fields: dict[str, Any] = {
        "name": info["pName"],
        "flags": info.get("Flags", FormFlags.FORM_USER),
        "width": info.get("Size_cx", 0),
        "height": info.get("Size_cy", 0),
        "left": info.get("ImageableArea_left", 0),
        "top": info.get("ImageableArea_top", 0),
        "right": info.get("ImageableArea_right", 0),
        "bottom": info.get("ImageableArea_bottom", 0),
    }
    if container.Level == 2:
        fields.update(
            keyword=info.get("pKeyword") or "",
            string_type=info.get("StringType", STRING_NONE),
            mui_dll=info.get("pMuiDll"),
            resource_id=info.get("dwResourceId", 0),
            display_name=info.get("pDisplayName"),
            lang_id=info.get("wLangID", 0),
        )
    return Form(**fields)


@method(21)
def RpcAsyncAddForm(call: Call, hPrinter: bytes, pFormInfoContainer: Container) -> Reply:
    call.handle(hPrinter, *ANY)
    check_level(pFormInfoContainer.Level, FORM_LEVELS)
    _check_manage(call, hPrinter)
    form = _form(pFormInfoContainer)
    call.server.forms.add(form)
    call.server.log.add(call.now, "form.added", form.name)
    return Reply(0)


@method(22)
def RpcAsyncDeleteForm(call: Call, hPrinter: bytes, pFormName: str) -> Reply:
    _check_manage(call, hPrinter)
    call.server.forms.delete(pFormName)
    call.server.log.add(call.now, "form.deleted", pFormName)
    return Reply(0)


@method(23)
def RpcAsyncGetForm(call: Call, hPrinter: bytes, pFormName: str, Level: int, cbBuf: int) -> Reply:
    call.handle(hPrinter, *ANY)
    check_level(Level, FORM_LEVELS)
    form = call.server.forms.get(pFormName)
    return buffered("FORM_INFO", Level, [form_info(form, Level)], cbBuf, out="pForm", count=None)


@method(24)
def RpcAsyncSetForm(
    call: Call, hPrinter: bytes, pFormName: str, pFormInfoContainer: Container
) -> Reply:
    call.handle(hPrinter, *ANY)
    check_level(pFormInfoContainer.Level, FORM_LEVELS)
    _check_manage(call, hPrinter)
    call.server.forms.set(pFormName, _form(pFormInfoContainer))
    call.server.log.add(call.now, "form.set", pFormName)
    return Reply(0)


@method(25)
def RpcAsyncEnumForms(call: Call, hPrinter: bytes, Level: int, cbBuf: int) -> Reply:
    call.handle(hPrinter, *ANY)
    check_level(Level, FORM_LEVELS)
    records = [form_info(f, Level) for f in call.server.forms.all()]
    return buffered("FORM_INFO", Level, records, cbBuf, out="pForm")
