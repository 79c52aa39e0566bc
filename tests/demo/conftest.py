import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from tests.leads.conftest import run_worker  # noqa: F401 - the demo inquiries go through the worker


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo site, seeded once for the tests of a class inside a transaction that is
    rolled back after them (as Django's TestCase does for setUpTestData); each test runs
    in a savepoint inside it."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media"))
    with django_db_blocker.unblock(), media, transaction.atomic():
        run("seed_demo")
        yield
        transaction.set_rollback(True)
