import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command

from leads import services
from leads.forms import new_stamp, sign_subject
from tests import factories


def form_data(obj=None, **overrides):
    """A valid inquiry form submission; override what the test is about."""
    data = {
        "stamp": new_stamp(),
        "subject": sign_subject(obj) if obj is not None else "",
        "need_kind": "factory",
        "need_deal": "rent",
        "need_area": "2000",
        "need_budget": "1元/㎡/天以内",
        "industry": "新能源汽车零部件",
        "expected_tax": "300",
        "company": "上海测试科技有限公司",
        "name": "张先生",
        "mobile": "13800138000",
        "wechat_id": "",
        "email": "",
        "message": "需要一楼，层高8米以上。",
        "consent": "on",
        "website": "",
        "page_url": "http://testserver/listings/1/",
        "referrer": "",
        "utm_source": "wechat",
        "utm_medium": "",
        "utm_campaign": "",
        "utm_term": "",
        "utm_content": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def inquiry_data():
    return form_data


def staff_group(name):
    """The group as the leads data migration made it; transactional tests flush the
    database, groups included, so make it again when it is gone."""
    group = Group.objects.filter(name=name).first()
    if group is None:
        importlib.import_module("leads.migrations.0002_groups").grant(apps, None)
        group = Group.objects.get(name=name)
    return group


@pytest.fixture
def manager(db):
    user = factories.make_user(is_staff=True)
    user.groups.add(staff_group("managers"))
    return user


def make_manager():
    user = factories.make_user(is_staff=True)
    user.groups.add(staff_group("managers"))
    return user


def make_agent_user(**agent_kwargs):
    user = factories.make_user(is_staff=True)
    user.groups.add(staff_group("agents"))
    agent = factories.make_agent(user=user, **agent_kwargs)
    return user, agent


def inquiry_for(agent, **kwargs):
    """An inquiry about a new listing of the agent's."""
    n = factories.seq()
    listing = factories.make_listing(agent=agent)
    kwargs.setdefault("name", f"客户{n}")
    kwargs.setdefault("mobile", f"134{n:08d}")
    return services.submit_inquiry(subject=listing, **kwargs)


@pytest.fixture
def two_agents():
    """(user, agent) of two agents, flattened."""
    user_a, agent_a = make_agent_user()
    user_b, agent_b = make_agent_user()
    return user_a, agent_a, user_b, agent_b


@pytest.fixture
def run_worker(monkeypatch, django_capture_on_commit_callbacks):
    """Run the real db_worker in-process until the queue holds nothing due.

    In a test wrapped in a transaction the worker must not drop the connection (it
    does so between tasks in production), and the on-commit callbacks (the enqueueing
    of notifications and retries) registered since the test began or the last run are
    run first and after, as a commit would.
    """
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )

    def start_capture():
        capture = django_capture_on_commit_callbacks()
        return capture, capture.__enter__()

    current = start_capture()

    def commit():
        nonlocal current
        while True:
            # A fresh capture first: what the callbacks register waits for the next round.
            (capture, callbacks), current = current, start_capture()
            capture.__exit__(None, None, None)
            if not callbacks:
                return
            for callback in callbacks:
                callback()

    def run():
        commit()
        call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
        commit()

    yield run
    current[0].__exit__(None, None, None)
