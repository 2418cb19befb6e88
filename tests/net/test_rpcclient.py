"""Samba's ``rpcclient`` (Debian's smbclient; ``make tools`` installs it) against a real
``spoolsim serve --rpc --epm 135``.

rpcclient never uses a port from the binding string for ``ncacn_ip_tcp``: it asks the endpoint
mapper on port 135 where the spoolss interface (MS-RPRN) lives, then binds there. Each test's
server listens on its own loopback address, so port 135 is free for it; binding port 135 needs
root (or CAP_NET_BIND_SERVICE), and the tests are skipped, saying so, without it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

import pytest

from tests.net import rpcserve

RPCCLIENT = shutil.which("rpcclient")


def _can_bind_135(host: str) -> bool:
    with socket.socket() as s:
        try:
            s.bind((host, 135))
        except OSError:
            return False
    return True


HOST = "127.0.0.35"
pytestmark = [
    pytest.mark.skipif(
        RPCCLIENT is None, reason="rpcclient is not installed (make tools installs smbclient)"
    ),
    pytest.mark.skipif(
        RPCCLIENT is not None and not _can_bind_135(HOST),
        reason=f"cannot bind {HOST}:135 for the endpoint mapper (needs root or"
        " CAP_NET_BIND_SERVICE)",
    ),
]
COMMANDS = [
    "enumprinters",
    "getprinter Laser1",
    "enumjobs Laser1",
    "enumforms Laser1",
    "enumdrivers",
    "enumports",
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = rpcserve.start(tmp_path_factory.mktemp("rpcclient"), host=HOST, epm=135)
    yield server
    out = server.stop()
    assert "Traceback" not in out, out


def rpcclient(binding: str, credentials: str, command: str) -> str:
    """One rpcclient command; its output (it must succeed)."""
    env = {**os.environ, "HOME": "/tmp"}
    done = subprocess.run(
        [RPCCLIENT, "-U", credentials, binding, "-c", command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"{command}: {out}"
    assert "result was" not in out and "Error was" not in out, f"{command}: {out}"
    return out


def check(command: str, out: str) -> None:
    """What each command must show of the scenario's estate."""
    if command == "enumprinters":
        assert "Laser1" in out and "Floor24-Printer-With-A-Long-Name" in out
        assert out.count("flags:[") == len(rpcserve.PRINTERS)
    elif command.startswith("getprinter"):
        assert "Laser1" in out
    elif command.startswith("enumjobs"):
        assert "Error" not in out
    elif command.startswith("enumforms"):
        assert "Letter" in out and "A4" in out
    elif command == "enumdrivers":
        assert "Driver Name: [" in out
    elif command == "enumports":
        assert "Port Name:\t[IP_laser1]" in out and "Port Name:\t[FILE:]" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_rpcclient_unauthenticated(served, command: str) -> None:
    out = rpcclient(f"ncacn_ip_tcp:{HOST}", "%", command)
    check(command, out)


@pytest.mark.parametrize("command", COMMANDS)
def test_rpcclient_with_seal(served, command: str) -> None:
    out = rpcclient(f"ncacn_ip_tcp:{HOST}[seal]", "alice%Pa55word!", command)
    check(command, out)


def test_rpcclient_with_seal_and_a_wrong_password_is_refused(served) -> None:
    done = subprocess.run(
        [RPCCLIENT, "-U", "alice%nope", f"ncacn_ip_tcp:{HOST}[seal]", "-c", "enumprinters"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "HOME": "/tmp"},
    )
    out = done.stdout + done.stderr
    assert "Laser1" not in out
    assert "ACCESS_DENIED" in out.upper() or "LOGON_FAILURE" in out.upper(), out
