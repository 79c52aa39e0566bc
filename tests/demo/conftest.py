from tests.leads.conftest import run_worker  # noqa: F401 - the demo inquiries go through the worker
