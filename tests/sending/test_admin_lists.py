"""The message and bulk job lists with many rows: a constant number of queries per page (no N+1),
no COUNT over the whole table when unfiltered (an estimate, shown as such), exact counts when
filtered or small."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sending import paginator
from sending.models import BulkJob
from tests.sending.jobs.watch_helpers import add_messages, make_job

pytestmark = pytest.mark.django_db
MESSAGES = "admin:sending_message_changelist"
JOBS = "admin:sending_bulkjob_changelist"


def _analyse():
    """PostgreSQL's estimate comes from the statistics autovacuum keeps; a test cannot wait."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE sending_message")
            cursor.execute("ANALYZE sending_bulkjob")


def _get(client, name, **params):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response, [query["sql"] for query in captured]


def _counts(queries):
    return [sql for sql in queries if "COUNT(" in sql.upper()]


@pytest.mark.parametrize("name", [MESSAGES, JOBS])
def test_it_runs_the_same_queries_for_a_page_of_few_or_many_rows(
    client, superuser, make_profile, name
):
    client.force_login(superuser)
    profiles = [make_profile(), make_profile()]
    for profile in profiles:
        make_job(profile, {"sent": 2, "failed": 1})
    _response, few = _get(client, name)
    for index in range(30):
        make_job(profiles[index % 2], {"sent": 3}, name=f"job {index}")
    _response, many = _get(client, name)
    assert len(many) == len(few)


def test_it_shows_an_estimate_and_counts_nothing_on_the_unfiltered_list(
    client, superuser, make_profile, monkeypatch
):
    monkeypatch.setattr(paginator, "EXACT_BELOW", 20)
    client.force_login(superuser)
    job = make_job(make_profile(), {"sent": 150, "failed": 5})
    _analyse()
    response, queries = _get(client, MESSAGES)
    assert _counts(queries) == []
    html = response.content.decode()
    assert "about 155 messages" in html  # ANALYZE of a small table reads every row
    # Filtered: an exact count, never an estimate.
    response, queries = _get(client, MESSAGES, status="failed")
    assert len(_counts(queries)) == 1
    assert "5 messages" in response.content.decode()
    response, _queries = _get(client, MESSAGES, job=job.pk)
    assert "155 messages" in response.content.decode()


def test_it_counts_a_small_table_exactly(client, superuser, make_profile, monkeypatch):
    monkeypatch.setattr(paginator, "EXACT_BELOW", 200)
    client.force_login(superuser)
    make_job(make_profile(), {"sent": 150, "failed": 5})
    _analyse()
    response, queries = _get(client, MESSAGES)
    assert len(_counts(queries)) == 1
    assert "155 messages" in response.content.decode()
    assert "about" not in response.content.decode().split('class="paginator"')[1]


def test_it_filters_messages_by_job_language_and_encoding_without_scanning_for_values(
    client, superuser, make_profile
):
    client.force_login(superuser)
    job = make_job(make_profile(), {"sent": 2})
    add_messages(job, {"sent": 1}, language="fr", encoding="ucs2")
    response, queries = _get(client, MESSAGES)
    assert not [sql for sql in queries if "DISTINCT" in sql.upper()]
    html = response.content.decode()
    assert f"?job={job.pk}" in html and "?encoding=ucs2" in html and "?language=fr" in html
    response, _queries = _get(client, MESSAGES, language="fr", encoding="ucs2", job=job.pk)
    assert "1 message" in response.content.decode()


def test_it_lists_jobs_with_a_link_to_their_page(client, superuser, make_profile):
    client.force_login(superuser)
    job = make_job(make_profile(), {"sent": 1}, status=BulkJob.Status.FINISHED)
    draft = make_job(make_profile(), {}, status=BulkJob.Status.DRAFT)
    html = client.get(reverse(JOBS)).content.decode()
    assert reverse("admin:sending_bulkjob_watch", args=[job.pk]) in html
    assert reverse("admin:sending_bulkjob_mapping", args=[draft.pk]) in html


def test_the_large_lists_offer_no_counts_per_filter_choice(client, superuser, make_profile):
    client.force_login(superuser)
    make_job(make_profile(), {"sent": 2, "failed": 1})
    for name in (
        MESSAGES, "admin:sending_inboundmessage_changelist",
        "admin:sending_unmatchedreceipt_changelist", "admin:sending_optout_changelist",
    ):  # fmt: skip
        response, queries = _get(client, name, _facets="True")
        assert "Show counts" not in response.content.decode(), name
        assert len(_counts(queries)) <= 1, name  # the page's own count at most, none per choice
