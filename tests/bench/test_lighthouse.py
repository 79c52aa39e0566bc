import re
from pathlib import Path

import pytest
from django.core.management import call_command

from bench import lighthouse
from tests.browser import checkers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_lighthouse_part_prints_four_scores_for_a_page(capsys):
    checkers.require_tool(lighthouse.LIGHTHOUSE, "lighthouse")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed")
    call_command("bench", only="lighthouse", runs=1, pages=["parcel"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("parcel "))
    scores = [int(n) for n in re.findall(r"\s(\d{1,3})!?(?=\s|$)", row)]
    assert len(scores) == 4 and all(0 <= n <= 100 for n in scores), out
    assert "load average" in out
    assert (lighthouse.REPORTS / "parcel-0.json").exists()


def test_flagged_audits_name_their_elements():
    report = {
        "categories": {
            "accessibility": {"auditRefs": [{"id": "target-size", "weight": 7}]},
        },
        "audits": {
            "target-size": {
                "score": 0,
                "details": {"items": [{"node": {"selector": "footer a"}}]},
            }
        },
    }
    assert lighthouse.flagged(report) == [("accessibility", "target-size", " footer a")]
