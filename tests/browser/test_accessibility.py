"""The twelve main page types pass axe-core (no serious or critical violation) at phone
and desktop widths, and the Nu HTML Checker finds no error; primary actions are big
enough to tap. A screenshot of each page type at each width goes to var/screenshots/."""

import io

import pytest
from django.core.management import call_command

from articles.models import Article
from leads.models import Inquiry
from leads.views import thanks_url
from listings.models import LandParcel, Listing, Park
from tests.browser import checkers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (390, 1280)
# Buttons and links a visitor taps to act (WCAG 2.5.5's 44×44 CSS pixels).
PRIMARY_ACTIONS = "main button[type=submit], .button--primary, .contact-bar a, .contact-bar summary"


@pytest.fixture
def twelve_pages():
    call_command("seed_demo", verbosity=0, stdout=io.StringIO())
    inquiry = Inquiry.objects.exclude(assigned_agent=None).first()
    return {
        "home": "/",
        "listings": "/listings/",
        "listing": Listing.objects.published().first().get_absolute_url(),
        "land": "/land/",
        "parcel": LandParcel.objects.published().first().get_absolute_url(),
        "parks": "/parks/",
        "park": Park.objects.published().first().get_absolute_url(),
        "news": "/news/",
        "article": Article.objects.published().first().get_absolute_url(),
        "search": "/search/?q=厂房",
        "inquiry": "/inquiry/",
        "thanks": thanks_url(inquiry),
    }


def small_actions(page):
    return page.evaluate(
        """selector => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.width < 44 || r.height < 44)
            .map(([e, r]) => `${e.outerHTML.slice(0, 80)} is ${Math.round(r.width)}×${Math.round(r.height)}`)""",
        PRIMARY_ACTIONS,
    )


def test_the_twelve_page_types_pass_axe_and_the_nu_html_checker(
    browser, live_server, twelve_pages, screenshot
):
    checkers.require_tool(checkers.AXE_JS, "axe-core")
    problems = []
    documents = {}
    for width in WIDTHS:
        # axe is injected as a script of its own; the page's CSP would refuse it.
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": 844}, bypass_csp=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        for name, url in twelve_pages.items():
            response = page.goto(url)
            assert response.status == 200, f"{name} {url}: {response.status}"
            # One picture of every page type at both widths, kept in var/screenshots/.
            screenshot(page, f"page-{name}-{width}")
            found = checkers.axe_violations(page)
            if found:
                problems.append(checkers.format_axe(f"{name} @{width}px", found))
            if width == 390:
                problems.extend(f"{name} @390px: {each}" for each in small_actions(page))
                documents[name] = response.text()
        context.close()
    problems.extend(checkers.nu_errors(documents))
    assert not problems, "\n".join(problems)
