"""``/metrics`` over HTTP: a handler for :func:`spoolsim.net.serve_http`."""

from __future__ import annotations

from collections.abc import Callable

from spoolsim.metrics.registry import CONTENT_TYPE, SimMetrics
from spoolsim.wire.http import Request, Response

_TEXT = (("Content-Type", "text/plain; charset=utf-8"),)


def metrics_handler(
    metrics: SimMetrics, *, path: str = "/metrics"
) -> Callable[[Request], Response]:
    """A request handler that serves ``metrics`` at ``path``.

    GET and HEAD of ``path`` get the exposition (HEAD: its headers only); another method there
    gets 405 with ``Allow``; any other path gets 404.

    Args:
        metrics: the simulation's metrics, read at every request.
        path: where they are served.
    """

    def handle(request: Request) -> Response:
        if request.path != path:
            return Response(404, _TEXT, f"404 Not Found: metrics are at {path}\n".encode())
        if request.method not in ("GET", "HEAD"):
            body = f"405 Method Not Allowed: {request.method} {path}; use GET or HEAD\n"
            return Response(405, (*_TEXT, ("Allow", "GET, HEAD")), body.encode())
        return Response(200, (("Content-Type", CONTENT_TYPE),), metrics.exposition())

    return handle
