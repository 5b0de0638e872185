"""The "Add bulk job" pages through the Django test client: recipients, mapping, import, report,
seed test and start; every problem is a message on the page, never a 500."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from profiles.models import SmsSettings
from sending.jobs import importer
from sending.models import BulkJob, Message

pytestmark = pytest.mark.django_db

CSV = (
    "Mobile;Prénom;Langue\n"
    "+4915112345678;Ada;en\n"
    "not a number;Bob;en\n"
    "+33612345678;Émile;fr\n"
    "+4915112345679;;de\n"
)


def _upload(client, profile, content=CSV, name="clients.csv", **fields):
    data = {
        "profile": profile.pk,
        "name": "Spring reminder",
        "file": SimpleUploadedFile(name, content.encode() if isinstance(content, str) else content),
        "default_country": "DE",
        **fields,
    }
    return client.post(reverse("admin:sending_bulkjob_add"), data)


def _import(client, job, mapping: dict, django_capture_on_commit_callbacks):
    header = ["Mobile", "Prénom", "Langue"]
    data = {f"column_{i}": mapping.get(column, "") for i, column in enumerate(header)}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("admin:sending_bulkjob_mapping", args=[job.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(callbacks) == 1  # the import task, queued once the mapping is saved
    importer.run_import(job.pk)
    return response


def test_it_walks_from_upload_to_a_scheduled_job(
    client, superuser, named_profile, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    response = _upload(client, named_profile)
    job = BulkJob.objects.get()
    assert response.url == reverse("admin:sending_bulkjob_mapping", args=[job.pk])
    assert (job.status, job.source_name, job.created_by) == ("draft", "clients.csv", superuser)

    page = client.get(response.url).content.decode()
    assert "Map the columns" in page and "Ada" in page and "semicolon" in page
    assert 'value="phone" selected' in page  # "Mobile" guessed as the number

    mapping = {"Mobile": "phone", "Prénom": "data:customer.first_name", "Langue": "language"}
    response = _import(client, job, mapping, django_capture_on_commit_callbacks)
    assert response.url == reverse("admin:sending_bulkjob_import", args=[job.pk])
    status = client.get(reverse("admin:sending_bulkjob_import_status", args=[job.pk])).json()
    assert status["done"] and status["percent"] == 100 and status["rows_imported"] == 2
    assert status["next_url"] == reverse("admin:sending_bulkjob_report", args=[job.pk])

    page = client.get(status["next_url"]).content.decode()
    assert "Bonjour Émile" in page and "Hello Ada" in page
    assert "“not a number” is not a valid mobile number" in page
    assert "No value for customer.first_name" in page
    assert "GSM 7-bit" in page

    response = client.post(reverse("admin:sending_bulkjob_start", args=[job.pk]),
                           {"when": "now", "time_zone": "Europe/Berlin",
                            "window_start": "09:00", "window_end": "20:00"})  # fmt: skip
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == BulkJob.Status.SCHEDULED
    assert abs((job.scheduled_at - timezone.now()).total_seconds()) < 60
    assert (job.window_start, job.window_end) == (datetime.time(9), datetime.time(20))


def test_it_downloads_the_row_errors_as_csv(
    client, superuser, named_profile, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    _upload(client, named_profile)
    job = BulkJob.objects.get()
    mapping = {"Mobile": "phone", "Prénom": "data:customer.first_name", "Langue": "language"}
    _import(client, job, mapping, django_capture_on_commit_callbacks)

    response = client.get(reverse("admin:sending_bulkjob_issues_csv", args=[job.pk]))
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "row,column,problem,reason,value"
    assert lines[1].startswith("3,Mobile,invalid_number,")
    assert lines[2].startswith("5,Prénom,missing_value,")
    assert len(lines) == 3


@pytest.mark.parametrize(
    "content, name, reason",
    [
        (b"", "empty.csv", "The submitted file is empty."),
        (b"\x00\x01\x02binary" * 100, "data.csv", "This is not a text file"),
        (b"+4915112345678;Ada\n", "nohead.csv", "The first row holds data"),
        (b"not a zip at all", "list.xlsx", "This is not a valid XLSX file"),
        (b"phone\n+4915112345678\n", "list.pdf", "Upload a CSV (.csv, .txt, .tsv) or an Excel"),
    ],
)
def test_it_explains_an_unreadable_file_on_the_form(
    client, superuser, bulk_profile, content, name, reason
):
    client.force_login(superuser)
    response = _upload(client, bulk_profile, content, name)
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not BulkJob.objects.exists()


def test_it_refuses_a_file_above_the_upload_limit(client, superuser, bulk_profile, settings):
    settings.SMSPORTAL_BULK_UPLOAD_MAX_BYTES = 1000
    client.force_login(superuser)
    assert _upload(client, bulk_profile, "phone\n" + "+4915112345678\n" * 66).status_code == 302
    response = _upload(client, bulk_profile, "phone\n" + "+4915112345678\n" * 67)
    assert "at most 1000\xa0bytes can be uploaded" in response.content.decode()


def test_it_imports_pasted_numbers(
    client, superuser, bulk_profile, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    data = {"profile": bulk_profile.pk, "name": "Pasted", "pasted": "+4915112345678\n0151 12345679",
            "default_country": "DE"}  # fmt: skip
    client.post(reverse("admin:sending_bulkjob_add"), data)
    job = BulkJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("admin:sending_bulkjob_mapping", args=[job.pk]), {"column_0": "phone"})
    importer.run_import(job.pk)
    assert sorted(job.messages.values_list("to", flat=True)) == ["+4915112345678", "+4915112345679"]


def test_it_offers_only_the_profiles_the_user_may_use_and_the_applied_one_first(
    client, django_user_model, make_profile
):
    user = django_user_model.objects.create_user("sender", password="pw-sender-1", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["add_bulkjob", "view_bulkjob"])
    )
    applied = make_profile(name="Applied", is_global=True)
    SmsSettings.load().apply(applied)
    make_profile(name="Someone's private", is_global=False)
    make_profile(name="A draft", is_global=True, complete=False)
    own = make_profile(name="Mine", is_global=False, owner=user)
    client.force_login(user)

    page = client.get(reverse("admin:sending_bulkjob_add")).content.decode()
    assert f'<option value="{applied.pk}" selected>Applied</option>' in page
    assert f'<option value="{own.pk}">Mine</option>' in page
    assert "private" not in page and "A draft" not in page


def test_it_refuses_a_start_in_the_past_or_a_window_that_never_opens(
    client, superuser, bulk_profile, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    _upload(client, bulk_profile, "phone\n+4915112345678\n")
    job = BulkJob.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("admin:sending_bulkjob_mapping", args=[job.pk]), {"column_0": "phone"})
    importer.run_import(job.pk)
    url = reverse("admin:sending_bulkjob_start", args=[job.pk])
    past = (timezone.now() - datetime.timedelta(hours=2)).astimezone(datetime.UTC)
    cases = [
        ({"when": "later", "scheduled_at": past.strftime("%Y-%m-%dT%H:%M"), "time_zone": "UTC"},
         "has already passed"),
        ({"when": "now", "time_zone": "UTC", "window_start": "09:00", "window_end": "09:00"},
         "it would never be open"),
        ({"when": "now", "time_zone": "Mars/Olympus"}, "is not a time zone"),
        ({"when": "now", "time_zone": "UTC", "window_start": "09:00"}, "or neither"),
        ({"when": "later", "time_zone": "UTC"}, "Give the time the job starts at."),
    ]  # fmt: skip
    for data, reason in cases:
        response = client.post(url, data)
        assert response.status_code == 200 and reason in response.content.decode(), reason
    assert BulkJob.objects.get().status == BulkJob.Status.READY

    future = timezone.now() + datetime.timedelta(days=1)
    local = future.astimezone(datetime.timezone(datetime.timedelta(hours=1)))
    data = {
        "when": "later",
        "scheduled_at": local.strftime("%Y-%m-%dT%H:%M"),
        "time_zone": "Etc/GMT-1",
    }
    assert client.post(url, data).status_code == 302
    job.refresh_from_db()
    assert job.status == BulkJob.Status.SCHEDULED
    assert abs((job.scheduled_at - future).total_seconds()) < 60


def test_it_sends_a_seed_test_of_the_jobs_first_message(
    client, superuser, named_profile, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    _upload(client, named_profile)
    job = BulkJob.objects.get()
    mapping = {"Mobile": "phone", "Prénom": "data:customer.first_name", "Langue": "language"}
    _import(client, job, mapping, django_capture_on_commit_callbacks)

    url = reverse("admin:sending_bulkjob_seed", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"numbers": "+33600000001\n+33600000002"})
    tests = Message.objects.filter(kind=Message.Kind.TEST).order_by("to")
    assert [(m.to, m.text, m.job_id) for m in tests] == [
        ("+33600000001", "Hello Ada", None),
        ("+33600000002", "Hello Ada", None),
    ]
    assert len(callbacks) == 2
    response = client.post(url, {"numbers": "nope"}, follow=True)
    assert "Enter a valid mobile number" in response.content.decode()


def test_it_lists_jobs_in_a_fixed_number_of_queries(
    client, superuser, bulk_profile, django_assert_max_num_queries
):
    for number in range(30):
        BulkJob.objects.create(name=f"Job {number}", profile=bulk_profile, created_by=superuser)
    client.force_login(superuser)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("admin:sending_bulkjob_changelist"))
    assert response.status_code == 200 and "Job 29" in response.content.decode()


def test_it_lets_only_users_allowed_to_add_jobs_create_one_and_hides_private_jobs(
    client, django_user_model, make_profile
):
    viewer = django_user_model.objects.create_user("watcher", password="pw-watch-1", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_bulkjob"))
    private = make_profile(name="Private", is_global=False)
    job = BulkJob.objects.create(name="Theirs", profile=private, status=BulkJob.Status.READY)
    client.force_login(viewer)

    assert client.get(reverse("admin:sending_bulkjob_add")).status_code == 403
    assert client.get(reverse("admin:sending_bulkjob_report", args=[job.pk])).status_code == 404
    assert client.post(reverse("admin:sending_bulkjob_start", args=[job.pk])).status_code == 403
    assert "Theirs" not in client.get(reverse("admin:sending_bulkjob_changelist")).content.decode()
