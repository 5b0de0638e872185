"""`manage.py sendbulk FILE …`: create, import, report and schedule a job; clear errors."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from profiles.models import SmsSettings
from sending.models import BulkJob

pytestmark = pytest.mark.django_db

CSV = (
    "phone,name,lang\n+4915112345678,Ada,fr\n0151 12345679,Bob,de\nbad,Cy,en\n"
    "+4915112345678,Ada,fr\n"
)


def _run(*args) -> str:
    out = StringIO()
    call_command("sendbulk", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def recipients_csv(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text(CSV)
    return path


def test_it_imports_reports_and_schedules_now(recipients_csv, named_profile):
    out = _run(str(recipients_csv), "--profile", named_profile.name,
               "--mapping", "name=data:customer.first_name", "lang=language")  # fmt: skip

    job = BulkJob.objects.get()
    assert "4 rows, 2 messages (2 parts); 1 rejected, 0 suppressed, 1 duplicates." in out
    assert "row 4 [phone]: “bad” is not a valid mobile number" in out
    assert "row 5 [phone]: +4915112345678 appears earlier in the file (row 2)." in out
    assert f"Job #{job.pk} scheduled for" in out
    assert job.status == BulkJob.Status.SCHEDULED
    assert sorted(job.messages.values_list("text", flat=True)) == ["Bonjour Ada", "Hello Bob"]


def test_it_schedules_later_with_a_window_and_keeps_duplicates(recipients_csv, named_profile):
    when = (timezone.now() + datetime.timedelta(hours=3)).replace(microsecond=0)
    _run(str(recipients_csv), "--profile", str(named_profile.pk), "--schedule", when.isoformat(),
         "--window", "09:00-20:00", "--window-zone", "Europe/Paris", "--keep-duplicates",
         "--mapping", "name=data:customer.first_name")  # fmt: skip

    job = BulkJob.objects.get()
    assert job.scheduled_at == when
    assert (job.window_start, job.window_end) == (datetime.time(9), datetime.time(20))
    assert job.window_time_zone == "Europe/Paris"
    assert job.messages.count() == 3


def test_it_uses_the_applied_profile_and_can_stop_after_the_import(recipients_csv, bulk_profile):
    SmsSettings.load().apply(bulk_profile)
    _run(str(recipients_csv), "--import-only", "--country", "fr")
    job = BulkJob.objects.get()
    assert (job.profile, job.status, job.default_country) == (bulk_profile, "ready", "FR")


@pytest.mark.parametrize(
    "args, reason",
    [
        (["--profile", "Nope"], "No profile named “Nope”."),
        (["--window", "9-20"], "Write the window as HH:MM-HH:MM"),
        (["--window", "09:00-09:00"], "it would never be open"),
        (["--window-zone", "Nowhere/City"], "is not a time zone"),
        (["--schedule", "tomorrow"], "Write the start as an ISO time"),
        (["--schedule", "2001-01-01T09:00+00:00"], "has already passed"),
        (["--country", "XX"], "“XX” is not a country code."),
        (["--mapping", "name"], "Write a mapping as COLUMN=TARGET"),
        (["--mapping", "phone=ignore"], "Choose exactly one column that holds the mobile number."),
    ],
)
def test_it_says_clearly_what_is_wrong(recipients_csv, bulk_profile, args, reason):
    args = ["--profile", bulk_profile.name, *args] if "--profile" not in args else args
    with pytest.raises(CommandError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        _run(str(recipients_csv), *args)


def test_it_refuses_an_unreadable_file(tmp_path, bulk_profile):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="The file is empty."):
        _run(str(path), "--profile", bulk_profile.name)
    with pytest.raises(CommandError, match="No file at"):
        _run(str(tmp_path / "missing.csv"), "--profile", bulk_profile.name)
    assert not BulkJob.objects.exists()
