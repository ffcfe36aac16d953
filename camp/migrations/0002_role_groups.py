"""Groups that give mentors and TAs exactly the admin permissions they need.

Row-level scoping (only your own students, only your cohorts) is done by the
admin's querysets; these permissions only open the doors.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Mentors": [
        ("reports", "view_report"),
        ("reports", "view_revision"),
        ("reports", "view_review"),
        ("reports", "add_review"),
        ("reports", "change_review"),
        ("reports", "view_period"),
        ("camp", "view_user"),
    ],
    "TAs": [
        ("reports", "view_report"),
        ("reports", "view_revision"),
        ("reports", "view_review"),
        ("reports", "add_review"),
        ("reports", "change_review"),
        ("reports", "view_period"),
        ("reports", "change_period"),
        ("reports", "view_allowance"),
        ("reports", "add_allowance"),
        ("reports", "change_allowance"),
        ("reports", "delete_allowance"),
        ("camp", "view_user"),
        ("camp", "view_cohort"),
        ("camp", "view_project"),
        ("camp", "add_project"),
        ("camp", "change_project"),
        ("camp", "view_membership"),
        ("camp", "add_membership"),
        ("camp", "change_membership"),
        ("camp", "delete_membership"),
        ("camp", "view_mentorship"),
        ("camp", "add_mentorship"),
        ("camp", "change_mentorship"),
        ("camp", "delete_mentorship"),
    ],
}


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; create them
    # now so a fresh database gets complete groups in one migrate.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, wanted in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in wanted:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUP_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("camp", "0001_initial"),
        ("reports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
