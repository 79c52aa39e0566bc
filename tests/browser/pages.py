"""Browser pages for the browser tests: one way to open a page, one watcher for Content
Security Policy violations (Chromium reports them as console errors)."""

from contextlib import contextmanager

DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50 NetType/WIFI Language/zh_CN"
    ),
}


def watch_csp(context):
    """The CSP violations of every page of a browser context (popups included), as a list
    that fills while the test runs."""
    problems = []

    def on_console(msg):
        if msg.type == "error" and "Content Security Policy" in msg.text:
            problems.append(msg.text)

    context.on("console", on_console)
    return problems


@contextmanager
def open_page(browser, live_server, **context_args):
    """A page in a fresh browser context; fails the test on CSP violations at the end.
    page.csp_problems holds them for a test that wants to check earlier."""
    context = browser.new_context(base_url=live_server.url, **context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.csp_problems = watch_csp(context)
    try:
        yield page
    finally:
        context.close()
    assert not page.csp_problems, f"CSP violations: {page.csp_problems}"
