"""Narrow the mentors' and TAs' groups to what reviewing in the admin needs.

Reviews are an append-only record (a mentor who changes their mind posts
another review), so nobody but the superuser changes one. Mentors reach
reports only through the review queue: they need neither the periods nor the
user list (which would show every user of every cohort).
"""

from django.db import migrations

REMOVED = {
    "Mentors": [
        ("reports", "change_review"),
        ("reports", "view_period"),
        ("camp", "view_user"),
    ],
    "TAs": [
        ("reports", "change_review"),
    ],
}


def _change(apps, add: bool) -> None:
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, permissions in REMOVED.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        for app_label, codename in permissions:
            permission = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if permission is None:
                continue
            if add:
                group.permissions.add(permission)
            else:
                group.permissions.remove(permission)


def narrow_groups(apps, schema_editor):
    _change(apps, add=False)


def widen_groups(apps, schema_editor):
    _change(apps, add=True)


class Migration(migrations.Migration):
    dependencies = [("camp", "0002_role_groups")]

    operations = [migrations.RunPython(narrow_groups, widen_groups)]
