"""Benchmark: the admin lists of messages and bulk jobs, and the job page, with a million messages.

    .venv/bin/python bench/admin_lists.py [--messages 1000000] [--jobs 1000] [--reseed]
        [--database-url postgres://postgres@127.0.0.1:5432/smsportal_bench_lists]

Builds its own database (SQLite in var/bench-admin-lists.sqlite3 by default, or the PostgreSQL
database named; created when missing), seeds the messages in SQL inside the database
(generate_series / a recursive CTE: seconds, not minutes), runs ANALYZE, then requests each page
with Django's test client as a superuser and prints its query count and median time. The same
pages are measured with the stock admin set-up (Django's Paginator with a full count,
date_hierarchy, DISTINCT value filters) as the reference. Not a test; figures go in the README.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--messages", type=int, default=1_000_000)
parser.add_argument("--jobs", type=int, default=1_000)
parser.add_argument("--big-job", type=int, default=100_000, help="messages of the measured job")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--reseed", action="store_true")
parser.add_argument("--database-url", default="")
args = parser.parse_args()

os.environ["DATABASE_URL"] = (
    args.database_url or f"sqlite:///{ROOT / 'var/bench-admin-lists.sqlite3'}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")


def _create_postgres_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


if args.database_url.startswith("postgres"):
    _create_postgres_database(args.database_url)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib import admin  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from profiles.models import SmsProfile  # noqa: E402
from sending.models import BulkJob, JobSecond, Message  # noqa: E402

STATES = ["sent"] * 6 + ["delivered"] * 2 + ["queued", "failed"]


def seed(messages: int, jobs: int) -> None:
    user = get_user_model()
    if not user.objects.filter(username="bench").exists():
        user.objects.create_superuser("bench", "bench@example.com", "bench-pw-1")
    if Message.objects.exists() and not args.reseed:
        return
    with connection.cursor() as cursor:  # faster than the ORM's cascade over a million rows
        for table in ("sending_messagepart", "sending_message", "sending_jobsecond"):
            cursor.execute(f"DELETE FROM {table}")
    BulkJob.objects.all().delete()
    profile = SmsProfile.objects.filter(name="bench").first()
    if profile is None:
        profile = SmsProfile(name="bench", host="127.0.0.1", port=2775, username="bench",
                             message="Hello", saved_steps=0b1111, throughput=500)  # fmt: skip
        profile.password = "bench"
        profile.save()
    BulkJob.objects.bulk_create(
        BulkJob(name=f"job {n}", profile=profile, status=BulkJob.Status.FINISHED)
        for n in range(jobs)
    )
    first_job = BulkJob.objects.order_by("pk").values_list("pk", flat=True).first()
    big = min(args.big_job, messages)
    per_job = max(1, -(-(messages - big) // max(1, jobs - 1)))  # ceiling: no job beyond the last
    job_of = (
        f"CASE WHEN n < {big} THEN {first_job} ELSE {first_job} + 1 + (n - {big}) / {per_job} END"
    )
    states = (
        "CASE n % 10 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(STATES)) + " END"
    )
    columns = (
        'profile_id, job_id, row, data, time_zone, kind, "to", sender, text, language, encoding, '
        "parts_count, status, error_code, error_reason, attempts, claim, possibly_duplicate, "
        "created_at"
    )
    values = (
        f"{profile.pk}, {job_of}, n + 2, '{{}}', '', 'bulk', "
        "'+4915' || (100000000 + n), '', 'Hello ' || n, 'en', 'gsm7', 1, " + states + ", "
        "CASE WHEN n % 10 = 9 THEN 'ESME_RINVDSTADR' ELSE '' END, "
        "CASE WHEN n % 10 = 9 THEN 'invalid number' ELSE '' END, 1, '', FALSE, "
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO sending_message ({columns}) SELECT {values} "
                f"now() - (({messages} - n) || ' seconds')::interval "
                f"FROM generate_series(0, {messages - 1}) AS n"
            )
            cursor.execute("ANALYZE")
        else:
            cursor.execute(
                f"WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s "
                f"WHERE n < {messages - 1}) INSERT INTO sending_message ({columns}) "
                f"SELECT {values} datetime('now', '-' || ({messages} - n) || ' seconds') FROM s"
            )
            cursor.execute("ANALYZE")
    # The measured job's chart: 30 minutes at 500 parts/s, deliveries following.
    JobSecond.objects.bulk_create(
        JobSecond(
            job_id=first_job,
            second=1_800_000_000 + s,
            parts_sent=450 + s % 50,
            messages_sent=450 + s % 50,
            delivered=400 + s % 80,
        )  # fmt: skip
        for s in range(1800)
    )
    print(f"seeded {messages:,} messages in {jobs:,} jobs in {time.monotonic() - started:.1f} s")


def measure(client: Client, url: str) -> tuple[int, float, int]:
    timings, queries = [], 0
    for _ in range(args.repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return (
        queries,
        statistics.median(timings) * 1000,
        len(response.content) if not response.streaming else 0,
    )


def stock_admin():
    """The set-up before this work: Django's defaults."""
    model_admin = admin.site._registry[Message]
    saved = {name: getattr(model_admin, name) for name in
             ("paginator", "show_full_result_count", "list_filter", "date_hierarchy")}  # fmt: skip
    model_admin.paginator = Paginator
    model_admin.show_full_result_count = True
    model_admin.list_filter = ("status", "kind", "profile", "encoding", "language", "created_at")
    model_admin.date_hierarchy = "created_at"
    job_admin = admin.site._registry[BulkJob]
    job_saved = job_admin.paginator
    job_admin.paginator = Paginator

    def restore():
        for name, value in saved.items():
            setattr(model_admin, name, value)
        job_admin.paginator = job_saved

    return restore


def main() -> None:
    call_command("migrate", verbosity=0)
    seed(args.messages, args.jobs)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench"))
    job = BulkJob.objects.order_by("pk").first()
    total = Message.objects.count()
    print(f"{connection.vendor}: {total:,} messages, {BulkJob.objects.count():,} jobs, "
          f"{job.messages.count():,} in the measured job; median of {args.repeat}")  # fmt: skip
    pages = [
        ("messages, unfiltered", "/admin/sending/message/"),
        ("messages, page 50", "/admin/sending/message/?p=50"),
        ("messages, status=failed", "/admin/sending/message/?status=failed"),
        ("messages of one job", f"/admin/sending/message/?job={job.pk}"),
        ("messages, search a number", "/admin/sending/message/?q=%2B4915100000123"),
        ("bulk jobs, unfiltered", "/admin/sending/bulkjob/"),
        ("job page", f"/admin/sending/bulkjob/{job.pk}/watch/"),
        ("job progress.json", f"/admin/sending/bulkjob/{job.pk}/progress.json"),
        ("job export CSV", f"/admin/sending/bulkjob/{job.pk}/export.csv"),
    ]
    results = {}
    for label, url in pages:
        results[label] = measure(client, url)
    restore = stock_admin()
    reference = {}
    for label, url in pages[:6]:
        reference[label] = measure(client, url)
    restore()
    print("| page | queries | ms | stock admin: queries | ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, _url in pages:
        queries, ms, _size = results[label]
        if label in reference:
            ref_queries, ref_ms, _ = reference[label]
            ratio = ref_ms / ms
            print(f"| {label} | {queries} | {ms:,.1f} ", end="")
            print(f"| {ref_queries} | {ref_ms:,.1f} | {ratio:.1f}× |")
        else:
            print(f"| {label} | {queries} | {ms:,.1f} | – | – | – |")


if __name__ == "__main__":
    main()
