"""Trio servers binding the wire codecs to sockets."""

from spoolsim.net.http import IDLE_TIMEOUT, Handler, handle_http, serve_http

__all__ = ["IDLE_TIMEOUT", "Handler", "handle_http", "serve_http"]
