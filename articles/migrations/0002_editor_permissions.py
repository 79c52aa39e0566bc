"""Give the staff groups (made by listings.0003_staff_groups) their articles permissions:
editors and managers write and publish news, manage categories, body pictures and tags."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ARTICLE_MODELS = ["article", "category", "articleimage"]
# Tags (articles.Tag): editors add and rename them, deleting is for managers in the admin.
TAG_PERMISSIONS = ["view_tag", "add_tag", "change_tag"]


def add_permissions(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.filter(
            content_type__app_label="articles", content_type__model__in=ARTICLE_MODELS
        )
    ) + list(
        Permission.objects.filter(content_type__app_label="articles", codename__in=TAG_PERMISSIONS)
    )
    for name in ["editors", "managers"]:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def remove_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="articles", content_type__model__in=ARTICLE_MODELS
    )
    for group in Group.objects.filter(name__in=["editors", "managers"]):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("listings", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(add_permissions, remove_permissions)]
