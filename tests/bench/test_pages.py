import shutil

import pytest
from django.core.management import call_command

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed"),
]


def test_the_page_bench_compares_cached_and_uncached_pages_to_the_floor(capsys, listing):
    call_command("bench", only="pages", seconds=1, rounds=1, pages=["/listings/"])
    out = capsys.readouterr().out
    assert "hello-world floor" in out
    assert "/listings/ (cached)" in out
    assert "/listings/ (uncached)" in out
    assert out.count("ratio ") == 2
