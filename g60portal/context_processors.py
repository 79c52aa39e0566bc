from django.conf import settings


def site(request):
    """Contact details and switches every page's header and footer need."""
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_HOTLINE": settings.SITE_HOTLINE,
        "SITE_EMAIL": settings.SITE_EMAIL,
        "SITE_WECHAT_ID": settings.SITE_WECHAT_ID,
        "SITE_ADDRESS": settings.SITE_ADDRESS,
        "SITE_ICP": settings.SITE_ICP,
    }
