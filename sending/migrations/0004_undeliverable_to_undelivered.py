from django.db import migrations


def forwards(apps, schema_editor):
    Message = apps.get_model("sending", "Message")
    Message.objects.filter(status="undeliverable").update(status="undelivered")


def backwards(apps, schema_editor):
    Message = apps.get_model("sending", "Message")
    Message.objects.filter(status="undelivered").update(status="undeliverable")


class Migration(migrations.Migration):
    dependencies = [("sending", "0003_bulk_jobs")]

    operations = [migrations.RunPython(forwards, backwards)]
