import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _chinese_ui():
    # A request to /en/ leaves English active in the thread; URLs reversed by a later
    # test would then start with /en/.
    with translation.override("zh-hans"):
        yield
