from django.conf import settings
from django.utils.translation import get_language


def site(request):
    """Contact details and switches every page's header and footer need."""
    return {
        "SITE_NAME": settings.SITE_NAME
        if (get_language() or "").startswith("zh")
        else settings.SITE_NAME_EN,
        "SITE_HOTLINE": settings.SITE_HOTLINE,
        "SITE_EMAIL": settings.SITE_EMAIL,
        "SITE_WECHAT_ID": settings.SITE_WECHAT_ID,
        "SITE_ADDRESS": settings.SITE_ADDRESS,
        "SITE_ICP": settings.SITE_ICP,
    }
