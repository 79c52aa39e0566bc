"""The README's production example is run as written (issue 11, 8): `check --deploy
--fail-level WARNING` passes, and it sets every variable production needs."""

import os
import re
import subprocess

from django.conf import settings

README = settings.BASE_DIR / "README.md"
# What production refuses to start without, or silently degrades without.
REQUIRED = [
    "G60_PRODUCTION",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_HOST",
    "SITE_URL",
    "LEAD_TRUSTED_PROXIES",
]


def production_example():
    text = README.read_text(encoding="utf-8")
    after = text.split("Production example", 1)[1]
    return re.search(r"```sh\n(.*?)```", after, re.S).group(1)


def test_the_readme_production_example_sets_every_required_variable():
    example = production_example()
    for name in REQUIRED:
        assert re.search(rf"\b{name}=", example), name
    assert "check --deploy --fail-level WARNING" in example


def run_example(example):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "G60_", "DEBUG", "EMAIL_", "REDIS_", "DATABASE_"))
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return result


def test_the_readme_production_example_passes_check_deploy_as_written():
    result = run_example(production_example())
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_without_email_host_check_deploy_fails_and_says_why():
    example = production_example().replace("EMAIL_HOST=smtp.example.cn", "")
    result = run_example(example)
    assert result.returncode != 0
    assert "g60portal.E001" in result.stderr + result.stdout
