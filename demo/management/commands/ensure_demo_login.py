from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "manager"
DEMO_PASSWORD = "g60-demo-manager"  # noqa: S105 - local demo only, refused in production


class Command(BaseCommand):
    help = "Make sure the demo staff login exists (never in production) and print it."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("refusing to create a demo login with G60_PRODUCTION=1")
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={"is_staff": True, "is_superuser": True, "email": "manager@example.com"},
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.is_staff = user.is_superuser = user.is_active = True
            user.save()
        managers = Group.objects.filter(name="managers").first()
        if managers:
            user.groups.add(managers)
        self.stdout.write(
            f"Demo staff login: {settings.SITE_URL}/admin/  user {DEMO_USERNAME}  "
            f"password {DEMO_PASSWORD}"
        )
