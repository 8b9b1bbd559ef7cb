"""The four staff roles as groups. Their permissions are synced after every migrate
(``oms.roles.sync_role_permissions``), because other apps' permissions appear only then."""

from django.db import migrations

ROLES = ["warehouse", "support", "manager", "admin"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("oms", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
