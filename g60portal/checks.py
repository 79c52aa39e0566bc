"""Deploy checks (`manage.py check --deploy`): what production needs beyond what the
settings refuse outright. The README's production example passes them."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def production_services(app_configs, **kwargs):
    if not settings.PRODUCTION:
        return []
    problems = []
    if not settings.MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
        problems.append(
            checks.Error(
                "EMAIL_HOST is not set: notifications to agents and prospects would only "
                "be written to files under var/mail.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD).",
                id="g60portal.E001",
            )
        )
    if not settings.REDIS_URL:
        problems.append(
            checks.Warning(
                "REDIS_URL is not set: the cache, rate limits and page cache use the database.",
                hint="Set REDIS_URL=redis://HOST:6379/0.",
                id="g60portal.W001",
            )
        )
    if not settings.LEAD_TRUSTED_PROXIES:
        problems.append(
            checks.Warning(
                "LEAD_TRUSTED_PROXIES is 0: behind nginx every visitor has nginx's address, "
                "so one visitor's login failures or inquiries would lock out everybody.",
                hint="Set LEAD_TRUSTED_PROXIES=1 behind one reverse proxy.",
                id="g60portal.W002",
            )
        )
    return problems


@checks.register()
def wechat_sdk(app_configs, **kwargs):
    """WeChat sharing is on but the JS-SDK file was not installed: pages would name it and
    WeChat would show its default card."""
    if not (settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET):
        return []
    if (settings.WECHAT_SDK_DIR / "index.js").exists():
        return []
    return [
        checks.Warning(
            "WECHAT_APP_ID is set but WeChat's JS-SDK is not installed: no share card.",
            hint="Run `npm ci --prefix tools --omit=dev` before collectstatic.",
            id="g60portal.W010",
        )
    ]
