"""WeChat share cards: share meta on every shareable page, and the JS-SDK signature
endpoint against a fake WeChat API on 127.0.0.1."""

import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.urls import reverse

from g60portal import checks, context_processors, wechat
from tests import factories
from tests.browser import checkers

pytestmark = pytest.mark.django_db

SIGNATURE_URL = "/wechat/signature/"
TICKET = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"


class FakeWeChat:
    """WeChat's token and ticket endpoints on 127.0.0.1; `answers` maps a path to the
    JSON bodies it gives in turn (the last one repeats)."""

    def __init__(self, answers=None):
        self.answers = answers or {
            "/cgi-bin/token": [{"access_token": "TOKEN-1", "expires_in": 7200}],
            "/cgi-bin/ticket/getticket": [
                {"errcode": 0, "errmsg": "ok", "ticket": TICKET, "expires_in": 7200}
            ],
        }
        self.requests = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                parts = urllib.parse.urlsplit(self.path)
                fake.requests.append((parts.path, dict(urllib.parse.parse_qsl(parts.query))))
                queue = fake.answers.get(parts.path)
                if not queue:
                    self.send_response(404)
                    self.end_headers()
                    return
                body = queue.pop(0) if len(queue) > 1 else queue[0]
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def paths(self):
        return [path for path, _query in self.requests]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def wechat_on(settings):
    settings.WECHAT_APP_ID = "wx1234567890abcdef"
    settings.WECHAT_APP_SECRET = "app-secret"
    context_processors.wechat_sdk_url.cache_clear()
    with FakeWeChat() as fake:
        settings.WECHAT_API_BASE = fake.url
        yield fake
    context_processors.wechat_sdk_url.cache_clear()


def sign(client, url, **extra):
    return client.get(SIGNATURE_URL, {"url": url}, **extra)


def test_the_signature_matches_wechats_documented_example():
    assert (
        wechat.signature(
            TICKET, "Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value"
        )
        == "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
    )


def test_a_page_gets_a_signed_config_from_a_ticket_fetched_once(client, wechat_on):
    page = "http://testserver/listings/?kind=factory&ref=abc"
    with time_machine.travel(1_800_000_000, tick=False):
        response = sign(client, page + "#photos")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    config = response.json()
    assert config["appId"] == "wx1234567890abcdef"
    assert config["timestamp"] == 1_800_000_000
    assert config["signature"] == wechat.signature(TICKET, config["nonceStr"], 1_800_000_000, page)
    assert wechat_on.requests == [
        (
            "/cgi-bin/token",
            {
                "grant_type": "client_credential",
                "appid": "wx1234567890abcdef",
                "secret": "app-secret",
            },
        ),
        ("/cgi-bin/ticket/getticket", {"access_token": "TOKEN-1", "type": "jsapi"}),
    ]
    # The second page is signed from the cached ticket: WeChat is not asked again.
    second = sign(client, "http://testserver/news/").json()
    assert second["signature"] == wechat.signature(
        TICKET, second["nonceStr"], second["timestamp"], "http://testserver/news/"
    )
    assert len(wechat_on.requests) == 2


def test_the_ticket_is_fetched_again_before_wechat_expires_it(client, wechat_on):
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        sign(client, "http://testserver/")
        clock.shift(7200 - wechat.TICKET_MARGIN_SECONDS - 1)
        sign(client, "http://testserver/")
        assert len(wechat_on.requests) == 2
        clock.shift(2)
        sign(client, "http://testserver/")
    assert wechat_on.paths()[2:] == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/cgi-bin/token", {"errcode": 40125, "errmsg": "invalid appsecret"}),
        ("/cgi-bin/token", b"<html>gateway error</html>"),
        ("/cgi-bin/ticket/getticket", {"errcode": 40001, "errmsg": "invalid credential"}),
        ("/cgi-bin/ticket/getticket", {"errcode": 0, "errmsg": "ok"}),
    ],
)
def test_a_wechat_error_is_a_503_and_wechat_is_left_alone_for_a_minute(
    client, wechat_on, path, body
):
    wechat_on.answers[path] = [body]
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        assert sign(client, "http://testserver/").status_code == 503
        asked = len(wechat_on.requests)
        assert sign(client, "http://testserver/").status_code == 503
        assert len(wechat_on.requests) == asked
        # After a minute WeChat is asked again, and now it answers.
        wechat_on.answers = FakeWeChat().answers
        clock.shift(wechat.FAILURE_SECONDS + 1)
        assert sign(client, "http://testserver/").status_code == 200


def test_an_unreachable_wechat_is_a_503(client, settings, wechat_on):
    settings.WECHAT_API_BASE = "http://127.0.0.1:9"  # discard port: connection refused
    assert sign(client, "http://testserver/").status_code == 503


@pytest.mark.parametrize(
    "url",
    [
        "",
        "https://evil.example.com/listings/",
        "//evil.example.com/",
        "javascript:alert(1)",
        "/listings/",
        "http://testserver/" + "x" * 3000,
        "http://testserver\x00/",
        "http://[::1",
    ],
)
def test_only_this_sites_pages_are_signed(client, wechat_on, url):
    response = sign(client, url)
    assert response.status_code == 400
    assert wechat_on.requests == []


def test_the_site_url_host_is_accepted_behind_a_proxy(client, settings, wechat_on):
    settings.SITE_URL = "https://www.g60.example.cn"
    settings.ALLOWED_HOSTS = ["testserver", "www.g60.example.cn"]
    assert sign(client, "https://www.g60.example.cn/parks/").status_code == 200


def test_one_address_is_limited_per_minute(client, settings, wechat_on):
    settings.WECHAT_SIGNATURE_RATE_LIMIT = 3
    with time_machine.travel(1_800_000_000, tick=False) as clock:
        codes = [sign(client, "http://testserver/").status_code for _ in range(4)]
        other = sign(client, "http://testserver/", REMOTE_ADDR="10.0.0.9").status_code
        clock.shift(60)
        later = sign(client, "http://testserver/").status_code
    assert codes == [200, 200, 200, 429]
    assert other == 200
    assert later == 200


def test_without_the_settings_the_endpoint_is_a_404_and_no_sdk_is_loaded(client, settings):
    settings.WECHAT_APP_ID = ""
    assert sign(client, "http://testserver/").status_code == 404
    html = client.get("/").content.decode()
    assert "data-wechat-sdk" not in html
    assert "jweixin" not in html


def test_with_the_settings_pages_name_the_sdk_and_the_endpoint(client, settings, wechat_on):
    checkers.require_tool(settings.WECHAT_SDK_DIR / "index.js", "jweixin (npm jweixin-module)")
    html = client.get("/").content.decode()
    body = re.search(r"<body[^>]*>", html).group(0)
    assert 'data-wechat-sdk="/static/vendor/jweixin/index.js"' in body
    assert f'data-wechat-signature="{reverse("wechat-signature")}"' in body
    assert client.get("/static/vendor/jweixin/index.js").status_code == 200
    assert wechat_on.requests == []  # pages themselves never call WeChat


def test_a_post_is_refused(client, wechat_on):
    assert client.post(SIGNATURE_URL, {"url": "http://testserver/"}).status_code == 405


def og(html):
    return dict(re.findall(r'<meta property="og:(\w+)"\s+content="([^"]*)"', html))


@pytest.fixture
def shareable_pages(listing, park):
    parcel = factories.make_parcel()
    article = factories.make_article()
    return {
        "home": "/",
        "listings": "/listings/?kind=factory",
        "listing": listing.get_absolute_url(),
        "land": "/land/",
        "parcel": parcel.get_absolute_url(),
        "parks": "/parks/",
        "park": park.get_absolute_url(),
        "news": "/news/",
        "article": article.get_absolute_url(),
        "match": "/match/",
        "share link": listing.get_absolute_url() + "?ref=abc123",
        "english": "/en" + listing.get_absolute_url(),
    }


def test_every_shareable_page_has_a_share_title_text_and_absolute_picture(
    client, shareable_pages, listing
):
    for name, path in shareable_pages.items():
        response = client.get(path, follow=True)  # a share link redirects to its page
        assert response.status_code == 200, name
        tags = og(response.content.decode())
        assert tags["title"].strip(), name
        assert "\n" not in tags["title"], name
        assert tags["description"].strip(), name
        assert tags["image"].startswith("http://testserver/"), name
        assert tags["url"].startswith("http://testserver/"), name
        picture = client.get(tags["image"].removeprefix("http://testserver"))
        assert picture.status_code == 200, name
    listing_tags = og(client.get(shareable_pages["listing"]).content.decode())
    assert listing_tags["title"] == listing.title


def test_a_check_warns_when_wechat_is_on_without_the_sdk(settings, tmp_path):
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx1", "secret"
    settings.WECHAT_SDK_DIR = tmp_path
    assert [w.id for w in checks.wechat_sdk(None)] == ["g60portal.W010"]
    settings.WECHAT_APP_ID = ""
    assert checks.wechat_sdk(None) == []
