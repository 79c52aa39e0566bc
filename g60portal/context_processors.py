from django.conf import settings
from django.utils.translation import get_language


def site(request):
    """Contact details and switches every page's header and footer need."""
    chinese = (get_language() or "").startswith("zh")
    return {
        "SITE_NAME": settings.SITE_NAME if chinese else settings.SITE_NAME_EN,
        "SITE_HOTLINE": settings.SITE_HOTLINE,
        "SITE_EMAIL": settings.SITE_EMAIL,
        "SITE_WECHAT_ID": settings.SITE_WECHAT_ID,
        "SITE_ADDRESS": settings.SITE_ADDRESS if chinese else settings.SITE_ADDRESS_EN,
        "SITE_ICP": settings.SITE_ICP,
    }
