"""The scenario's ``[rpc]`` table: who may call the DCE/RPC front end."""

from __future__ import annotations

import pytest

from spoolsim.net.settings import RpcSettings, WebUser
from spoolsim.scenario.loader import ScenarioError, parse_scenario
from tests.scenario.test_runner import estate

HEAD = '[simulation]\nduration = "1h"\n' + estate("Laser1")


def test_rpc_users_anonymity_and_server_are_read() -> None:
    sc = parse_scenario(
        HEAD + '[[servers]]\nname = "PS1"\n'
        '[rpc]\nserver = "ps1"\nanonymous = false\n'
        '[[rpc.users]]\nname = "alice"\npassword = "pw"\n'
        '[[rpc.users]]\nname = "root"\npassword = ""\nadmin = true\n'
    )
    assert sc.rpc == RpcSettings(
        users=(WebUser("alice", "pw"), WebUser("root", "", admin=True)),
        anonymous=False,
        server="PS1",
    )
    assert parse_scenario(HEAD).rpc == RpcSettings()


def test_rpc_mistakes_are_listed_with_their_key_paths() -> None:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(
            HEAD + '[rpc]\nanonymous = false\nport = 5\nserver = "nowhere"\n'
            '[[rpc.users]]\nname = "a:b"\npassword = "x"\n'
        )
    text = str(err.value)
    assert "rpc.port: unknown key" in text
    assert "rpc.anonymous: false, but [[rpc.users]] lists nobody to log in" in text
    assert "rpc.users[0].name" in text and "rpc.server" in text
