from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class G60PortalConfig(AppConfig):
    name = "g60portal"
    verbose_name = _("站点")

    def ready(self):
        from django.conf import settings
        from django.contrib import admin

        from g60portal import checks  # noqa: F401 - registers the deploy checks

        admin.site.site_header = settings.ADMIN_SITE_HEADER
        admin.site.site_title = settings.SITE_NAME
