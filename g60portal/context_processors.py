import functools
import logging

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from core.pages import page_version
from g60portal import wechat

logger = logging.getLogger(__name__)

# The share picture of pages without one of their own (WeChat wants at least 300×300).
SHARE_ICON = "img/icon-512.png"
WECHAT_SDK = "vendor/jweixin/index.js"


@functools.cache
def wechat_sdk_url():
    """The JS-SDK's static URL, or "" when the npm package was not installed before
    collectstatic (then WeChat sharing stays off rather than breaking every page)."""
    try:
        return static(WECHAT_SDK)
    except ValueError:
        logger.warning("WECHAT_APP_ID is set but %s is missing: npm ci --prefix tools", WECHAT_SDK)
        return ""


def site(request):
    """Contact details and switches every page's header and footer need."""
    sdk = wechat_sdk_url() if wechat.enabled() else ""
    chinese = (get_language() or "").startswith("zh")
    return {
        "SITE_NAME": settings.SITE_NAME if chinese else settings.SITE_NAME_EN,
        "SITE_HOTLINE": settings.SITE_HOTLINE,
        "SITE_EMAIL": settings.SITE_EMAIL,
        "SITE_WECHAT_ID": settings.SITE_WECHAT_ID,
        "SITE_ADDRESS": settings.SITE_ADDRESS if chinese else settings.SITE_ADDRESS_EN,
        "SITE_ICP": settings.SITE_ICP,
        "SHARE_IMAGE": request.build_absolute_uri(static(SHARE_ICON)),
        "WECHAT_SDK": sdk,
        "WECHAT_SIGNATURE_URL": reverse("wechat-signature") if sdk else "",
        # Keys fragments kept until anything public changes (`{% cache … page_version %}`);
        # looked up in the shared cache only by a page that uses it, once.
        "page_version": SimpleLazyObject(page_version),
    }
