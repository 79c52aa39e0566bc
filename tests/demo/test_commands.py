"""seed_demo (the demo content of demo/data/) and ensure_demo_login."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from articles.models import Article, Category
from demo import leads as demo_leads
from demo import listings as demo_listings
from demo.content import load
from leads.models import Inquiry, RoutingRule
from listings.models import Agent, LandParcel, Listing, Park
from tests import factories
from tests.demo.conftest import run

pytestmark = pytest.mark.django_db


# ---- ensure_demo_login ------------------------------------------------------------------


def test_ensure_demo_login_creates_the_manager_once_and_prints_it(capsys):
    call_command("ensure_demo_login")
    call_command("ensure_demo_login")
    out = capsys.readouterr().out
    assert "user manager" in out
    assert "password g60-demo-manager" in out
    user = get_user_model().objects.get(username="manager")
    assert user.is_staff and user.check_password("g60-demo-manager")
    assert get_user_model().objects.filter(username="manager").count() == 1


def test_ensure_demo_login_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="G60_PRODUCTION"):
        call_command("ensure_demo_login")
    assert not get_user_model().objects.filter(username="manager").exists()


# ---- seed_demo ------------------------------------------------------------------------------


def _counts():
    return {
        model._meta.label: model.objects.count()
        for app in ("listings", "articles", "leads")
        for model in apps.get_app_config(app).get_models()
    }


@pytest.mark.usefixtures("demo_site")
class TestSeedDemo:
    def test_running_it_again_changes_nothing(self):
        first = _counts()
        run("seed_demo")
        assert _counts() == first
        assert first["listings.Listing"] > 0

    def test_it_loads_what_the_data_files_say(self):
        assert Agent.objects.count() == len(load("agents")["agents"])
        assert Park.objects.count() == len(load("parks")["parks"])
        assert Listing.objects.count() == load("listings")["count"]
        assert LandParcel.objects.count() == len(load("land")["parcels"])
        assert Category.objects.count() == len(load("categories")["categories"])
        articles = load("articles")
        published, not_published = articles["published"], articles["not_published"]
        assert Article.objects.count() == len(published) + len(not_published)
        assert RoutingRule.objects.count() == len(load("routing")["rules"])
        assert Inquiry.objects.count() == len(load("inquiries")["inquiries"])
        park = Park.objects.get(slug="songjiang-etdz")
        assert park.agent.user.username == "agent1"
        assert park.introduction.startswith("松江经济技术开发区位于松江区永丰街道")
        rule = RoutingRule.objects.get(name="仓库需求")
        assert sorted(a.user.username for a in rule.agents.all()) == ["agent2", "agent3"]
        parcel = LandParcel.objects.get(code="YF-19-001")
        assert (parcel.area, parcel.starting_price) == (Decimal("11875.3"), Decimal("1104"))

    def test_the_listings_are_realistic(self):
        assert Park.objects.count() >= 10
        assert Agent.objects.count() >= 8
        assert Listing.objects.count() >= 120
        assert LandParcel.objects.count() >= 15
        towns = set(Listing.objects.values_list("town", flat=True))
        assert {"新桥镇", "九亭镇", "泗泾镇"} <= towns and len(towns) >= 8
        assert Listing.objects.published().count() >= 90
        assert LandParcel.objects.open_for_bidding().count() >= 8
        agent = Agent.objects.get(user__username="agent1")
        assert agent.user.check_password("g60-demo-agent") and agent.user.is_staff
        assert agent.user.groups.filter(name="agents").exists()
        for listing in Listing.objects.all():
            listing.full_clean()

    def test_it_writes_at_least_30_articles_in_4_categories(self):
        published = Article.objects.published()
        assert published.count() >= 30
        assert Category.objects.filter(articles__in=published).distinct().count() >= 4
        assert published.exclude(cover="").count() >= 10
        assert all(article.tags.exists() for article in published)
        assert Article.objects.scheduled().exists()
        assert Article.objects.filter(status=Article.Status.DRAFT).exists()
        assert published.filter(parks__isnull=False).exists()

    def test_it_builds_a_large_set_with_a_progress_bar(self):
        output = run("seed_demo", "--listings", "300")
        assert Listing.objects.filter(code__startswith="BX-").count() == 300
        assert "300/300 listings" in output
        run("seed_demo", "--listings", "300")
        assert Listing.objects.filter(code__startswith="BX-").count() == 300

    def test_it_builds_generated_articles_for_benchmarks(self):
        run("seed_demo", "--articles", "120")
        generated = Article.objects.filter(source_name="基准测试数据")
        assert generated.count() == 120
        assert generated.published().count() == 120
        assert generated.first().tags.count() == 3
        run("seed_demo", "--articles", "120")
        assert generated.count() == 120


# ---- seed_demo: inquiries ---------------------------------------------------------------------


def test_the_demo_inquiries_are_idempotent_and_send_nothing(run_worker):
    demo_listings.seed_agents()
    factories.make_listing(agent=Agent.objects.first())
    demo_leads.seed()
    demo_leads.seed()
    assert Inquiry.objects.count() == len(load("inquiries")["inquiries"])
    assert RoutingRule.objects.count() == len(load("routing")["rules"])
    statuses = set(Inquiry.objects.values_list("status", flat=True))
    assert {"won", "lost", "spam", "new", "contacted"} <= statuses
    run_worker()
    assert mail.outbox == []
