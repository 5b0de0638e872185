"""Fixtures of the bulk job tests: a job made from file content, imported synchronously; the real
Redis and worker processes (see hammer.py) for the throttle, lease and session pool tests, and
bulk_support.Worker processes for the bulk engine's."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from sending.jobs import create, importer
from smsportal import redis_client
from tests.sending.jobs.bulk_support import workers  # noqa: F401 (fixture of the bulk tests)

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def bulk_profile(make_profile):
    """A multilingual profile without placeholders."""
    return make_profile(
        message="Your parcel is ready.", message_fr="Colis prêt.", multilingual=True, is_global=True
    )


@pytest.fixture
def named_profile(make_profile):
    """A multilingual profile greeting the recipient by customer.first_name."""
    return make_profile(
        message="Hello {{ customer.first_name }}",
        message_fr="Bonjour {{ customer.first_name }}",
        multilingual=True,
        is_global=True,
    )


@pytest.fixture
def new_job(bulk_profile):
    """new_job(content, name="list.csv", **fields) -> a DRAFT job (FileProblem if unreadable)."""

    def build(content, name="list.csv", profile=None, **fields):
        data = content.encode("utf-8") if isinstance(content, str) else content
        fields.setdefault("name", "Test job")
        if name == "pasted":
            return create.create_job(profile=profile or bulk_profile, pasted=content, **fields)
        upload = ContentFile(data, name=name)
        return create.create_job(profile=profile or bulk_profile, upload=upload, **fields)

    return build


@pytest.fixture
def imported(new_job):
    """imported(content, mapping=None, **fields) -> the job after a synchronous import."""

    def build(content, name="list.csv", mapping=None, batch_size=importer.BATCH_SIZE, **fields):
        job = new_job(content, name=name, **fields)
        assert create.confirm_mapping(job, mapping or job.mapping) == []
        return importer.run_import(job.pk, batch_size=batch_size)

    return build


def issues(job) -> list[tuple[int, str, str]]:
    return list(job.issues.order_by("row", "pk").values_list("row", "column", "code"))


def recipients(job) -> list[tuple[int, str]]:
    return list(job.messages.order_by("row").values_list("row", "to"))


@pytest.fixture
def redis(redis_url):
    """A client of the test run's Redis (the embedded one, or REDIS_URL)."""
    return redis_client.client(redis_url)


@pytest.fixture
def key(redis_url):
    """A profile key no other test (or earlier run on a shared Redis) has used; Redis runs."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def hammer(redis_url):
    """hammer(*args) -> Popen of `python -m tests.sending.jobs.hammer ARGS`, killed at the end."""
    started = []

    def start(*args):
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.sending.jobs.hammer", *map(str, args)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()
        process.stdin.close()
