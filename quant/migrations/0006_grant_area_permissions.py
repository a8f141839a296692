"""Existing role groups get the new page-area permissions (deny by default would otherwise lock
every viewer out until someone runs ``seed_roles``). New installs get them from ``roles_seed``.

Permissions are normally created after ``migrate`` (post_migrate), so this migration creates the
four it needs itself; the later post_migrate pass finds them and does nothing.
"""

from django.db import migrations

AREA = {
    "view_research": "Open the research pages (signals, model registry, saved reports)",
    "view_risk": "Open the risk pages",
    "view_warehouse": "Open the warehouse pages",
    "view_operations": "Open the Jobs and System health pages",
}
# Kept in step with quant.accounts.roles (a migration must not import live code that may change).
GRANTS = {
    "viewer": ["view_research", "view_risk", "view_warehouse"],
    "researcher": ["view_research", "view_risk", "view_warehouse", "view_operations"],
    "operator": ["view_research", "view_risk", "view_warehouse", "view_operations"],
    "admin": ["view_research", "view_risk", "view_warehouse", "view_operations"],
}


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    ct, _ = ContentType.objects.get_or_create(app_label="quant", model="strategy")
    perms = {
        codename: Permission.objects.get_or_create(content_type=ct, codename=codename, defaults={"name": name})[0]
        for codename, name in AREA.items()
    }
    for group in Group.objects.filter(name__in=GRANTS):
        group.permissions.add(*(perms[c] for c in GRANTS[group.name]))


class Migration(migrations.Migration):
    dependencies = [
        ("quant", "0005_area_view_permissions"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
