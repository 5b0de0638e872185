"""What the report shows before a start (totals, parts, longest rows), and the checks of when a
job may start and send."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from profiles.models import DataObject
from sending.jobs import mapping, schedule, totals

pytestmark = pytest.mark.django_db


def test_it_splits_totals_by_encoding_and_language_and_names_the_longest_rows(
    imported, named_profile
):
    long_name = "x" * 160  # "Hello " + 160 characters: two GSM parts
    content = (
        "phone;name;lang\n"
        "+4915112345678;Ada;en\n"
        f"+4915112345679;{long_name};en\n"
        "+4915112345670;Жанна;fr\n"  # Cyrillic: UCS-2
        f"+4915112345671;{long_name};fr\n"
    )
    job = imported(
        content,
        mapping={"phone": "phone", "name": "data:customer.first_name", "lang": "language"},
        profile=named_profile,
    )
    summary = job.totals
    assert (summary["messages"], summary["parts"]) == (4, 6)
    assert summary["by_encoding"] == [
        {"key": "gsm7", "messages": 3, "parts": 5},
        {"key": "ucs2", "messages": 1, "parts": 1},
    ]
    assert summary["by_language"] == [
        {"key": "en", "messages": 2, "parts": 3},
        {"key": "fr", "messages": 2, "parts": 3},
    ]
    assert (summary["highest_parts"], summary["highest_count"], summary["highest_rows"]) == (
        2, 2, [3, 5],
    )  # fmt: skip
    assert totals.recipients(summary) == 4


def test_it_previews_the_first_twenty_messages_in_file_order(imported):
    rows = "".join(f"+491511234{n:04d}\n" for n in range(30, 0, -1))
    job = imported("phone\n" + rows)
    preview = list(totals.preview(job))
    assert len(preview) == 20 and [m.row for m in preview] == list(range(2, 22))


def test_it_guesses_columns_by_common_names_and_data_object_key_or_label(named_profile):
    DataObject.objects.create(key="invoice.number", label="Invoice number")
    header = ["TELEFON", "Sprache", "customer.FIRST_name", "Invoice Number", "Notes", "Mobile"]
    assert mapping.guess(header, named_profile) == {
        "TELEFON": "phone",
        "Sprache": "language",
        "customer.FIRST_name": "data:customer.first_name",
        "Invoice Number": "data:invoice.number",
    }


def test_it_accepts_a_start_a_moment_ago_and_refuses_one_that_has_passed():
    now = timezone.now()
    assert schedule.check_start(now - datetime.timedelta(seconds=50), now) == now
    later = now + datetime.timedelta(minutes=5)
    assert schedule.check_start(later, now) == later
    with pytest.raises(ValidationError, match="has already passed"):
        schedule.check_start(now - datetime.timedelta(seconds=70), now)


def test_it_accepts_any_window_that_opens_even_overnight_and_refuses_one_that_never_does():
    schedule.check_window(datetime.time(9), datetime.time(9, 1))
    schedule.check_window(datetime.time(22), datetime.time(6))
    schedule.check_window(None, None)
    with pytest.raises(ValidationError, match="never be open"):
        schedule.check_window(datetime.time(9), datetime.time(9))
    with pytest.raises(ValidationError, match="or neither"):
        schedule.check_window(None, datetime.time(9))


def test_it_schedules_only_a_ready_job_with_messages(imported, new_job):
    job = imported("phone\nbad\n")
    with pytest.raises(ValidationError, match="no message to send"):
        schedule.schedule(job)
    draft = new_job("phone\n+4915112345678\n")
    with pytest.raises(ValidationError, match="Only an imported job"):
        schedule.schedule(draft)
    job = imported("phone\n+4915112345678\n")
    job = schedule.schedule(job, zone="America/New_York")
    assert (job.status, job.window_time_zone) == ("scheduled", "America/New_York")
    with pytest.raises(ValidationError, match="Only an imported job"):
        schedule.schedule(job)


def test_it_gives_a_number_its_zone_only_when_the_country_has_one(imported):
    job = imported("phone\n+4915112345678\n+12125550123\n+79161234567\n")
    zones = dict(job.messages.values_list("to", "time_zone"))
    assert zones["+4915112345678"] == "Europe/Berlin"
    assert zones["+12125550123"] == "America/New_York"
    assert zones["+79161234567"] == ""  # a Russian mobile spans eleven zones: the job's applies
    assert job.window_time_zone == "Europe/Berlin"  # the default country's zone
