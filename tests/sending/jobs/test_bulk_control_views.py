"""The job control buttons' POST views: CSRF, permissions, and what they do."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from sending.models import BulkJob
from tests.sending.jobs import watch_helpers
from tests.sending.jobs.bulk_support import counts, make_job

pytestmark = pytest.mark.django_db


def _url(job, action):
    return reverse("bulk_control:action", args=[job.pk, action])


def test_it_pauses_a_job_from_a_post_and_answers_json(client, superuser, make_profile):
    job = make_job(make_profile(), 2)
    client.force_login(superuser)
    answer = client.post(_url(job, "pause"), HTTP_ACCEPT="application/json")
    assert answer.json() == {"ok": True, "message": "The job is paused.", "status": "paused"}
    answer = client.post(_url(job, "resume"), {"next": "/admin/"})
    assert answer.status_code == 302 and answer["Location"] == "/admin/"
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING


def test_it_cancels_and_clones(client, superuser, make_profile):
    job = make_job(make_profile(), 2)
    client.force_login(superuser)
    assert client.post(_url(job, "cancel"), HTTP_ACCEPT="application/json").json()["ok"]
    assert counts(job) == {"cancelled": 2}
    copy = client.post(_url(job, "clone"), HTTP_ACCEPT="application/json").json()
    assert counts(BulkJob.objects.get(pk=copy["copy"])) == {"queued": 2}


def test_it_refuses_a_get_a_missing_csrf_token_and_a_user_without_rights(
    superuser, staff_viewer, make_profile
):
    job = make_job(make_profile(is_global=True), 1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(superuser)
    assert browser.get(_url(job, "pause")).status_code == 405
    assert browser.post(_url(job, "pause")).status_code == 403  # no CSRF token

    viewer = Client()
    viewer.force_login(staff_viewer)
    assert viewer.post(_url(job, "pause")).status_code == 403
    staff_viewer.user_permissions.add(Permission.objects.get(codename="change_bulkjob"))
    viewer = Client()
    viewer.force_login(staff_viewer)
    assert viewer.post(_url(job, "pause")).status_code == 302
    job.refresh_from_db()
    assert job.status == BulkJob.Status.PAUSED


def test_a_stranger_is_sent_to_the_login_page(client, make_profile):
    job = make_job(make_profile(), 1)
    answer = client.post(_url(job, "pause"))
    assert answer.status_code == 302 and "/login/" in answer["Location"]
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING


def test_it_queues_failed_messages_again_by_error_and_possibly_sent_ones(
    client, superuser, make_profile
):
    job = watch_helpers.make_job(make_profile(), {}, status=BulkJob.Status.FINISHED)
    watch_helpers.add_messages(job, {"failed": 2}, error_code="ESME_RINVDSTADR")
    watch_helpers.add_messages(job, {"failed": 1}, error_code="ESME_RTHROTTLED")
    watch_helpers.add_messages(job, {"possibly_sent": 3})
    client.force_login(superuser)

    answer = client.post(
        _url(job, "retry-failed"), {"error_code": "ESME_RTHROTTLED"}, HTTP_ACCEPT="application/json"
    ).json()
    assert (answer["ok"], answer["count"]) == (True, 1)
    assert answer["message"] == "1 failed messages queued again."
    answer = client.post(_url(job, "resend-possibly-sent"), HTTP_ACCEPT="application/json").json()
    assert (answer["ok"], answer["count"]) == (True, 3)
    assert counts(job) == {"failed": 2, "queued": 4}
    answer = client.post(_url(job, "resend-possibly-sent"), HTTP_ACCEPT="application/json").json()
    assert (answer["ok"], answer["count"]) == (False, 0)  # nothing left to resend


def test_it_says_why_a_switch_the_state_does_not_allow_changes_nothing(
    client, superuser, make_profile
):
    job = make_job(make_profile(), 1)
    client.force_login(superuser)
    answer = client.post(_url(job, "resume"), HTTP_ACCEPT="application/json").json()
    assert answer == {
        "ok": False, "message": "Only a paused job can be resumed.", "status": "running",
    }  # fmt: skip
    assert client.post(_url(job, "explode")).status_code == 403
