"""The Redis cache backend (core.redis_cache) against a real, private redis-server: it
behaves as Django's own backend and shares one client between calls and threads."""

import os
import threading
from pathlib import Path

import pytest

from core.redis_cache import RedisCache
from tests.fleet.test_fleet import REDIS_SERVER, start_redis


@pytest.fixture
def redis_cache(tmp_path):
    if not Path(REDIS_SERVER).exists():
        if os.environ.get("CI"):
            pytest.fail("redis-server must be installed in CI (apt-get install redis-server)")
        pytest.skip("redis-server not found (apt-get install redis-server)")
    process, port = start_redis(tmp_path)
    try:
        yield RedisCache(f"redis://127.0.0.1:{port}/0", {"KEY_PREFIX": "t"})
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_keeps_values_as_djangos_backend_does(redis_cache):
    assert redis_cache.get("missing") is None
    redis_cache.set("page", ("v1", 200, {"Content-Type": "text/html"}, "厂房 🏭".encode()))
    assert redis_cache.get("page") == ("v1", 200, {"Content-Type": "text/html"}, "厂房 🏭".encode())
    assert redis_cache.get_many(["page", "missing"]) == {"page": redis_cache.get("page")}
    assert redis_cache.add("once", 1, 60) is True
    assert redis_cache.add("once", 2, 60) is False
    assert redis_cache.incr("once") == 2
    redis_cache.delete("once")
    assert redis_cache.get("once") is None


def test_one_client_serves_every_call_and_thread(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    redis_cache.set("hits", 0, None)

    def count():
        for _ in range(200):
            redis_cache.incr("hits")

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert redis_cache.get("hits") == 1600
    assert redis_cache._cache.get_client() is client
