import io
import shutil
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from bench.management.commands import bench as bench_command

pytestmark = pytest.mark.django_db(transaction=True)
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


@needs_wrk
def test_the_page_bench_compares_cached_and_uncached_pages_to_the_floor(capsys, listing):
    call_command("bench", only="pages", seconds=1, rounds=1, pages=["/listings/"])
    out = capsys.readouterr().out
    assert "hello-world floor" in out
    assert "/listings/ (cached)" in out
    assert "/listings/ (uncached)" in out
    assert out.count("ratio ") == 2
    assert "load average" in out
    assert "--workers=3 --threads=4" in out  # as deploy/systemd/g60portal-web.service
    if shutil.which("redis-server"):
        assert "cache: a private redis-server" in out


def test_the_in_process_parts_measure_pages_with_the_page_cache_off(settings, monkeypatch):
    settings.PAGE_CACHE_SECONDS = 600
    seen = []
    monkeypatch.setitem(
        bench_command.PARTS,
        "listings",
        SimpleNamespace(run=lambda command, repeat: seen.append(settings.PAGE_CACHE_SECONDS)),
    )
    call_command("bench", only="listings", stdout=io.StringIO())
    assert seen == [0]
