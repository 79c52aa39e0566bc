"""Template filters of g60portal.templatetags.site_tags."""

import datetime as dt
from zoneinfo import ZoneInfo

from g60portal.templatetags.site_tags import html_datetime


def test_html_datetime_is_local_time_to_the_second_with_its_offset(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = dt.datetime(2026, 12, 1, 1, 30, 15, 682664, tzinfo=ZoneInfo("UTC"))
    assert html_datetime(moment) == "2026-12-01T09:30:15+08:00"


def test_html_datetime_of_nothing_is_empty():
    assert html_datetime(None) == ""
