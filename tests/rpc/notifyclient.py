"""What a notification client does with replies: keep a copy of the watched state."""

from __future__ import annotations

from spoolsim.model.constants import JobStatus, PrinterStatus
from spoolsim.rpc.notifier import NotifyInfo
from spoolsim.rpc.notifyfields import (
    JOB_NOTIFY_TYPE,
    JOB_STATUS_FIELD,
    PRINTER_NOTIFY_TYPE,
    PRINTER_STATUS_FIELD,
)

State = dict[tuple[int, int], dict[int, object]]


def apply(state: State, info: NotifyInfo, *, server_view: bool) -> None:
    """Fold one reply into ``state``: a job whose STATUS says DELETED is gone; through a server
    handle, so is a printer whose STATUS says PENDING_DELETION."""
    for d in info.aData:
        key = (d.Type, d.Id)
        gone = (
            d.Type == JOB_NOTIFY_TYPE and d.Field == JOB_STATUS_FIELD and d.Data & JobStatus.DELETED  # type: ignore[operator]
        ) or (
            server_view
            and d.Type == PRINTER_NOTIFY_TYPE
            and d.Field == PRINTER_STATUS_FIELD
            and d.Data & PrinterStatus.PENDING_DELETION  # type: ignore[operator]
        )
        if gone:
            state.pop(key, None)
        else:
            state.setdefault(key, {})[d.Field] = d.Data


def as_state(info: NotifyInfo) -> State:
    state: State = {}
    for d in info.aData:
        state.setdefault((d.Type, d.Id), {})[d.Field] = d.Data
    return state
