"""The estate's network front ends: the web site (pages, IPP, /metrics) on hypercorn and Trio."""

from spoolsim.net.settings import RpcSettings, WebSettings, WebUser

__all__ = ["RpcSettings", "WebSettings", "WebUser"]
