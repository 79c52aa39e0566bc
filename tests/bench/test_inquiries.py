"""The pieces of the full-stack inquiry load that read what the site answers."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from types import SimpleNamespace

from bench.inquiries import FIELD, Sink, thanks_pk
from leads.views import thanks_url


def test_the_inquiry_is_read_from_the_thanks_address():
    assert thanks_pk(thanks_url(SimpleNamespace(pk=123456))) == 123456


def run_in_own_thread(coroutine):
    """asyncio.run in a thread of its own: a browser test earlier in the session leaves
    Playwright's event loop running in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def test_the_sink_notes_when_each_notification_first_arrived():
    sink = Sink()
    message = EmailMessage()
    message["Message-ID"] = "<notification-42-1764590000@example.com>"
    message.set_content("新咨询")
    envelope = SimpleNamespace(content=message.as_bytes())
    assert run_in_own_thread(sink.handle_DATA(None, None, envelope)) == "250 OK"
    first = sink.received[42]
    run_in_own_thread(sink.handle_DATA(None, None, envelope))
    assert sink.received == {42: first}


def test_the_form_fields_are_found_in_the_page():
    page = '<input type="hidden" name="stamp" value="abc:1">'
    assert dict(FIELD.findall(page)) == {"stamp": "abc:1"}
