"""Fixtures of the jobs tests: the real Redis, and worker processes (see hammer.py)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from smsportal import redis_client
from tests.sending.jobs.bulk_support import workers  # noqa: F401 (fixture of the bulk tests)

ROOT = Path(__file__).resolve().parents[3]


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
