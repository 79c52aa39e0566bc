"""Inside WeChat a page configures the JS-SDK share card; elsewhere it loads nothing.

WeChat's own bridge (WeixinJSBridge, present only in WeChat's browser) is played by a
stub that records what the JS-SDK asks of it; the signature comes from the site, signed
with a ticket from the fake WeChat API on 127.0.0.1."""

import pytest

from g60portal import context_processors, wechat
from tests import factories
from tests.browser import checkers
from tests.browser.pages import PHONE, open_page
from tests.g60portal.test_wechat import TICKET, FakeWeChat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BRIDGE_STUB = """
window.bridgeCalls = [];
window.WeixinJSBridge = {
  invoke: function (name, args, callback) {
    window.bridgeCalls.push([name, args]);
    if (callback) callback({ err_msg: name + ":ok" });
  },
  on: function () {},
  call: function () {}
};
"""
NOT_WECHAT = {**PHONE, "user_agent": PHONE["user_agent"].split(" MicroMessenger")[0]}


@pytest.fixture
def wechat_on(settings):
    checkers.require_tool(settings.WECHAT_SDK_DIR / "index.js", "jweixin (npm jweixin-module)")
    settings.WECHAT_APP_ID = "wx1234567890abcdef"
    settings.WECHAT_APP_SECRET = "app-secret"
    context_processors.wechat_sdk_url.cache_clear()
    with FakeWeChat() as fake:
        settings.WECHAT_API_BASE = fake.url
        yield fake
    context_processors.wechat_sdk_url.cache_clear()


def sdk_requests(page):
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    return requests


def test_a_page_in_wechat_sets_its_share_card(browser, live_server, wechat_on):
    listing = factories.make_listing(title="新桥 独栋厂房 3200㎡")
    with open_page(browser, live_server, **PHONE) as page:
        page.add_init_script(BRIDGE_STUB)
        page.goto(listing.get_absolute_url() + "#gallery")
        page.wait_for_function(
            "() => window.bridgeCalls.some(c => c[0] === 'updateTimelineShareData')"
        )
        calls = dict(page.evaluate("window.bridgeCalls"))
    config = calls["preVerifyJSAPI"]
    url = f"{live_server.url}{listing.get_absolute_url()}"  # signed without the #fragment
    assert config["appId"] == "wx1234567890abcdef"
    assert config["verifySignature"] == wechat.signature(
        TICKET, config["verifyNonceStr"], config["verifyTimestamp"], url
    )
    assert set(config["verifyJsApiList"]) >= {
        "updateAppMessageShareData",
        "updateTimelineShareData",
    }
    card = calls["updateAppMessageShareData"]
    assert card["title"] == "新桥 独栋厂房 3200㎡"
    assert "厂房" in card["desc"]
    assert card["link"] == url
    assert card["imgUrl"].startswith(live_server.url) and card["imgUrl"].endswith(".png")
    assert calls["updateTimelineShareData"]["title"] == "新桥 独栋厂房 3200㎡"
    assert wechat_on.paths() == ["/cgi-bin/token", "/cgi-bin/ticket/getticket"]


def test_outside_wechat_the_sdk_is_not_loaded(browser, live_server, wechat_on):
    with open_page(browser, live_server, **NOT_WECHAT) as page:
        requests = sdk_requests(page)
        page.goto("/")
        page.wait_for_load_state("networkidle")
    assert not [url for url in requests if "jweixin" in url or "/wechat/" in url]


def test_without_the_settings_wechat_loads_nothing(browser, live_server, settings):
    settings.WECHAT_APP_ID = ""
    context_processors.wechat_sdk_url.cache_clear()
    with open_page(browser, live_server, **PHONE) as page:
        page.add_init_script(BRIDGE_STUB)
        requests = sdk_requests(page)
        page.goto("/")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.bridgeCalls") == []
    assert not [url for url in requests if "jweixin" in url or "/wechat/" in url]
