"""The job page and its progress.json through the Django test client: what it shows, who may
see it, the buttons (only for the engine's views that exist) and the links to it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from sending.models import BulkJob
from tests.sending.jobs.watch_helpers import add_messages, add_seconds, make_job, now_second

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(make_profile):
    job = make_job(make_profile(throughput=200), {"sent": 6, "queued": 4})
    add_messages(job, {"failed": 2}, error_code="ESME_RINVDSTADR", error_reason="invalid number")
    add_seconds(job, {now_second() - 2: 4, now_second() - 1: 4})
    return job


def test_it_serves_progress_json_with_counts_rate_and_fragments(client, superuser, job):
    client.force_login(superuser)
    data = client.get(reverse("admin:sending_bulkjob_progress", args=[job.pk])).json()
    counts = {entry["state"]: entry["messages"] for entry in data["counts"]}
    assert (counts["sent"], counts["queued"], counts["failed"]) == (6, 4, 2)
    assert (data["total"], data["done"], data["percent"]) == (12, 8, 66)
    assert data["rate"]["source"] == "measured" and data["rate"]["measured"] > 0
    assert data["rate"]["cap"] == 200
    assert "bulk-chart-parts" in data["live_html"]
    assert "invalid number" in data["live_html"]
    assert data["next_poll_ms"] >= 1000


def test_its_facts_follow_the_job_so_the_start_time_appears_without_a_reload(
    client, superuser, job
):
    client.force_login(superuser)
    url = reverse("admin:sending_bulkjob_progress", args=[job.pk])
    BulkJob.objects.filter(pk=job.pk).update(started_at=None)
    assert "Started" not in client.get(url).json()["facts_html"]
    BulkJob.objects.filter(pk=job.pk).update(started_at=timezone.now())
    facts = client.get(url).json()["facts_html"]
    assert "Started" in facts and str(job.profile) in facts


def test_it_shows_the_job_page_with_errors_last_messages_and_export(client, superuser, job):
    client.force_login(superuser)
    html = client.get(reverse("admin:sending_bulkjob_watch", args=[job.pk])).content.decode()
    assert 'id="bulk-bar"' in html and 'value="66"' in html
    assert "ESME_RINVDSTADR" in html and "invalid number" in html
    assert html.count("+4915112") >= 8  # the last messages
    assert reverse("admin:sending_bulkjob_export_csv", args=[job.pk]) in html
    assert reverse("admin:sending_bulkjob_progress", args=[job.pk]) in html
    assert "sending/job_watch.js" in html


@pytest.mark.urls("tests.sending.jobs.no_engine_urls")
def test_it_shows_no_buttons_while_the_engine_views_are_missing(client, superuser, job):
    client.force_login(superuser)
    html = client.get(reverse("admin:sending_bulkjob_watch", args=[job.pk])).content.decode()
    assert 'id="bulk-live"' in html
    assert "bulk-action-" not in html and "bulk-retry-code" not in html


def test_it_shows_the_buttons_that_fit_the_job_state(client, superuser, job):
    client.force_login(superuser)
    html = client.get(reverse("admin:sending_bulkjob_watch", args=[job.pk])).content.decode()
    for name in ("pause", "cancel", "retry-failed", "clone"):
        assert f'id="bulk-action-{name}"' in html
    assert 'id="bulk-action-resume"' not in html
    assert 'id="bulk-action-resend-possibly-sent"' not in html  # none possibly sent
    BulkJob.objects.filter(pk=job.pk).update(
        status=BulkJob.Status.PAUSED, pause_reason="Bind refused"
    )
    data = client.get(reverse("admin:sending_bulkjob_progress", args=[job.pk])).json()
    assert 'id="bulk-action-resume"' in data["actions_html"]
    assert 'id="bulk-action-pause"' not in data["actions_html"]
    assert "Bind refused" in data["live_html"]


def test_it_pauses_and_resumes_through_the_engine_and_comes_back_to_the_page(
    client, superuser, job
):
    client.force_login(superuser)
    page = reverse("admin:sending_bulkjob_watch", args=[job.pk])
    html = client.get(page).content.decode()
    pause = re.search(
        r'<form method="post" action="([^"]+)">[^<]*<input[^>]*csrfmiddlewaretoken', html
    )
    response = client.post(pause.group(1), {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    job.refresh_from_db()
    assert job.status == BulkJob.Status.PAUSED
    data = client.get(reverse("admin:sending_bulkjob_progress", args=[job.pk])).json()
    resume = re.search(r'action="([^"]+/resume/)"', data["actions_html"]).group(1)
    client.post(resume, {"next": page})
    job.refresh_from_db()
    assert job.status == BulkJob.Status.RUNNING


def test_it_retries_one_error_code_from_the_errors_table(client, superuser, job):
    add_messages(job, {"failed": 1}, error_code="ESME_RTHROTTLED", error_reason="throttled")
    client.force_login(superuser)
    page = reverse("admin:sending_bulkjob_watch", args=[job.pk])
    html = client.get(page).content.decode()
    assert html.count("bulk-retry-code") == 2
    action = re.search(r'action="([^"]+/retry-failed/)"', html).group(1)
    client.post(action, {"error_code": "ESME_RTHROTTLED", "next": page})
    left = job.messages.filter(status="failed").values_list("error_code", flat=True)
    assert list(left) == ["ESME_RINVDSTADR", "ESME_RINVDSTADR"]


def test_it_hides_the_buttons_from_a_user_who_may_only_view(client, django_user_model, job):
    user = django_user_model.objects.create_user("viewer2", password="pw-view-1", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_bulkjob"))
    job.profile.is_global = True
    job.profile.save()
    client.force_login(user)
    html = client.get(reverse("admin:sending_bulkjob_watch", args=[job.pk])).content.decode()
    assert "bulk-action-" not in html and "bulk-retry-code" not in html


def test_it_sends_a_started_job_from_its_change_page_and_the_list_to_the_job_page(
    client, superuser, job
):
    client.force_login(superuser)
    watch = reverse("admin:sending_bulkjob_watch", args=[job.pk])
    response = client.get(reverse("admin:sending_bulkjob_change", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == watch
    assert watch in client.get(reverse("admin:sending_bulkjob_changelist")).content.decode()


def test_it_needs_the_view_permission_and_a_visible_profile(client, django_user_model, job):
    user = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
    client.force_login(user)
    urls = [
        reverse(name, args=[job.pk])
        for name in (
            "admin:sending_bulkjob_watch", "admin:sending_bulkjob_progress",
            "admin:sending_bulkjob_export_csv", "admin:sending_bulkjob_export_xlsx",
        )
    ]  # fmt: skip
    assert [client.get(url).status_code for url in urls] == [403] * 4
    user.user_permissions.add(Permission.objects.get(codename="view_bulkjob"))
    # The job's profile is neither global nor the user's: as if the job did not exist.
    assert [client.get(url).status_code for url in urls] == [404] * 4
    job.profile.is_global = True
    job.profile.save()
    assert [client.get(url).status_code for url in urls] == [200] * 4


def test_it_answers_404_for_a_job_that_does_not_exist(client, superuser):
    client.force_login(superuser)
    assert client.get(reverse("admin:sending_bulkjob_progress", args=[999999])).status_code == 404
