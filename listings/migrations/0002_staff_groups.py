"""The staff groups: editors, agents and managers, with their listings permissions.

Other apps add their own permissions to these groups in their own migrations
(get_or_create on the same names)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MANAGER_MODELS = ["agent", "park", "parkimage", "listing", "listingimage", "landparcel"]
AGENT_PERMISSIONS = [
    "view_listing",
    "change_listing",
    "view_landparcel",
    "change_landparcel",
    "view_listingimage",
    "add_listingimage",
    "change_listingimage",
    "delete_listingimage",
    "view_park",
    "view_agent",
]
EDITOR_PERMISSIONS = ["view_park", "view_listing", "view_landparcel", "view_agent"]


def make_groups(apps, schema_editor):
    # Permissions are normally created after all migrations have run; make them now
    # so that a fresh database gets its groups filled.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    listings_perms = Permission.objects.filter(content_type__app_label="listings")

    managers, _ = Group.objects.get_or_create(name="managers")
    managers.permissions.add(
        *listings_perms.filter(content_type__model__in=MANAGER_MODELS)
    )
    agents, _ = Group.objects.get_or_create(name="agents")
    agents.permissions.add(*listings_perms.filter(codename__in=AGENT_PERMISSIONS))
    editors, _ = Group.objects.get_or_create(name="editors")
    editors.permissions.add(*listings_perms.filter(codename__in=EDITOR_PERMISSIONS))


def remove_listings_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    listings_perms = Permission.objects.filter(content_type__app_label="listings")
    for group in Group.objects.filter(name__in=["managers", "agents", "editors"]):
        group.permissions.remove(*listings_perms)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("listings", "0001_initial"),
    ]

    operations = [migrations.RunPython(make_groups, remove_listings_permissions)]
