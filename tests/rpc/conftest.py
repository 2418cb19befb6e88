from __future__ import annotations

import pytest

from tests.rpc.estate import Estate


@pytest.fixture
def estate() -> Estate:
    return Estate()
