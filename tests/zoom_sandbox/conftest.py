"""The sandbox served over real HTTP on a free port, on a clock the test moves."""

from datetime import UTC, datetime

import pytest
import requests

from zoom_sandbox.server import SandboxServer
from zoom_sandbox.state import SandboxState

from ..support import FakeClock

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def clock():
    return FakeClock(T0)


@pytest.fixture
def sandbox(clock):
    server = SandboxServer(state=SandboxState(clock=clock), log=lambda line: None).start()
    yield server
    server.stop()


@pytest.fixture
def api(sandbox):
    """A requests session authorised as teacher1 through the demo client."""
    session = requests.Session()
    token = sandbox.state.issue_token()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    session.base = sandbox.url + "/v2"
    return session
