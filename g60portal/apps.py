from django.apps import AppConfig
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from g60portal import checks  # noqa: F401 - registers the deploy checks


class G60PortalConfig(AppConfig):
    name = "g60portal"
    verbose_name = _("站点")

    def ready(self):
        admin.site.site_header = settings.ADMIN_SITE_HEADER
        admin.site.site_title = settings.SITE_NAME
