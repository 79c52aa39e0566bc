"""Give the staff groups their leads permissions (groups are shared with listings)."""

from django.db import migrations

AGENT_PERMISSIONS = [
    "view_inquiry",
    "change_inquiry",
    "view_inquiryevent",
    "view_notification",
]
MANAGER_PERMISSIONS = [
    "view_inquiry",
    "change_inquiry",
    "delete_inquiry",
    "export_inquiry",
    "view_dashboard",
    "view_inquiryevent",
    "view_notification",
    "change_notification",
    "add_routingrule",
    "change_routingrule",
    "delete_routingrule",
    "view_routingrule",
]


def grant(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after all migrations ran; create ours now.
    leads_config = apps.get_app_config("leads")
    leads_config.models_module = True
    create_permissions(leads_config, verbosity=0, apps=apps)
    leads_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in (("agents", AGENT_PERMISSIONS), ("managers", MANAGER_PERMISSIONS)):
        group, _created = Group.objects.get_or_create(name=group_name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="leads", codename__in=codenames)
        )
    Group.objects.get_or_create(name="editors")


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = Permission.objects.filter(content_type__app_label="leads")
    for group in Group.objects.filter(name__in=["agents", "managers"]):
        group.permissions.remove(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
        ("listings", "0002_staff_groups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
