"""Helpers of the bulk-engine tests: a job with its messages made directly (as the importer
leaves them), sender worker processes, and waiting for a job to settle."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.utils import timezone

from profiles.message import parts
from sending import tasks
from sending.jobs import dispatcher, sweeper
from sending.models import BulkJob, Message
from tests.support import wait_until as wait_until  # the tests of the jobs import it here

ROOT = Path(__file__).resolve().parents[3]


def make_job(
    profile,
    count: int,
    *,
    status=BulkJob.Status.RUNNING,
    text="Bulk {n}",
    numbers=None,
    zone="",
    **fields,
) -> BulkJob:
    """A job of `count` queued messages (or one per number in `numbers`)."""
    numbers = numbers or [f"+4915{100000000 + n}" for n in range(count)]
    if status == BulkJob.Status.RUNNING:
        fields.setdefault("started_at", timezone.now())
    job = BulkJob.objects.create(name="Job", profile=profile, status=status, **fields)
    messages = []
    for n, number in enumerate(numbers):
        body = text.format(n=n)
        plan = parts.plan(body, profile)
        messages.append(
            Message(
                profile=profile,
                job=job,
                kind=Message.Kind.BULK,
                row=n + 2,
                to=number,
                sender=profile.sender,
                text=body,
                encoding=plan.encoding,
                parts_count=plan.part_count,
                time_zone=zone,
            )
        )
    Message.objects.bulk_create(messages, batch_size=1000)
    return job


def counts(job) -> dict[str, int]:
    from django.db.models import Count

    rows = Message.objects.filter(job=job).values("status").annotate(n=Count("pk")).order_by()
    return {row["status"]: row["n"] for row in rows}


def worker_env(**extra) -> dict[str, str]:
    """The environment of a worker process using this test run's database and Redis."""
    env = dict(os.environ)
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        env["DATABASE_URL"] = f"sqlite:///{db['NAME']}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    env["REDIS_URL"] = settings.REDIS_URL
    env.update({key: str(value) for key, value in extra.items()})
    return env


class Child:
    """A process a test started (`process`), writing to the file `log`."""

    process: subprocess.Popen

    def kill(self) -> None:
        """SIGKILL: no unbind, no cleanup, leases left to expire."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class Worker(Child):
    """A real Celery worker process serving the bulk queue (solo pool: one sender at a time)."""

    def __init__(self, name: str, log_dir: Path, queues: str = "bulk", **env):
        self.log_path = log_dir / f"worker-{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smsportal", "worker", "-P", "solo", "-Q",
             queues, "-n", f"{name}@%h", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO"],
            cwd=ROOT, env=worker_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def ready(self, timeout: float = 30) -> bool:
        return bool(wait_until(lambda: "ready." in self.log_path.read_text(), timeout))


class Beat(Worker):
    """A real `celery beat` process: it queues the dispatcher (every second) and the sweeper (every
    two) on the default queue, as `make run` does; a worker serving "celery" runs them."""

    def __init__(self, log_dir: Path, **env):
        self.log_path = log_dir / "beat.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "smsportal", "beat", "--loglevel", "INFO",
             "--schedule", str(log_dir / "celerybeat-schedule")],
            cwd=ROOT, env=worker_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def ready(self, timeout: float = 30) -> bool:
        return bool(wait_until(lambda: "Sending due task" in self.log_path.read_text(), timeout))


class Listener(Worker):
    """`manage.py smpp_listen`, the receiver `make run` starts: receiving binds for receipts."""

    def __init__(self, log_dir: Path, **env):
        self.log_path = log_dir / "receiver.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "smpp_listen"], cwd=ROOT,
            env=worker_env(PYTHONUNBUFFERED=1, **env), stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def ready(self, timeout: float = 30) -> bool:
        return bool(wait_until(lambda: "Receiver running" in self.log_path.read_text(), timeout))


@pytest.fixture
def workers(tmp_path, redis_url):
    """workers(count, **env) -> started Worker processes, stopped after the test."""
    started: list[Worker] = []

    def start(count: int = 1, **env) -> list[Worker]:
        new = [Worker(f"w{len(started) + n}", tmp_path, **env) for n in range(count)]
        started.extend(new)
        for worker in new:
            assert worker.ready(), worker.log_path.read_text()
        return new

    yield start
    for worker in started:
        worker.stop()


def tick() -> None:
    """What beat does every second."""
    try:
        dispatcher.dispatch(tasks._enqueue_slot)
        sweeper.sweep()
    except redis.RedisError:
        pass  # Redis restarting: the next tick tries again


def settle(job, timeout=120) -> BulkJob:
    def done():
        job.refresh_from_db()
        return job.status in (BulkJob.Status.FINISHED, BulkJob.Status.PAUSED)

    wait_until(done, timeout, step=0.5, tick=tick)
    return job
