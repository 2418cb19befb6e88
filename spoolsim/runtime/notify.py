"""The long poll of RpcAsyncGetRemoteNotifications (MS-PAR opnum 61).

The method surface is synchronous: a poll with nothing to report answers E_PENDING there. This is
the call that suspends instead, as the protocol's poll does: it waits until the subscription has
something to say (or is unregistered, or its printer handle closed) and then makes the call, so
its reply is the method's own (data, or an HRESULT for a handle that is gone). Cancelling the
wait (a client that hangs up) leaves the subscription as it was.
"""

from __future__ import annotations

import trio

from spoolsim.rpc.core import Reply, Session, Surface


async def get_remote_notifications(surface: Surface, session: Session, handle: bytes) -> Reply:
    """RpcAsyncGetRemoteNotifications as a long poll: returns when there is a change to report."""
    while (sub := surface.notifier.idle(handle, session.id)) is not None:
        event = trio.Event()
        sub.wakers.append(event.set)
        try:
            await event.wait()
        finally:
            if event.set in sub.wakers:
                sub.wakers.remove(event.set)
    return surface.invoke(session, "RpcAsyncGetRemoteNotifications", handle)
