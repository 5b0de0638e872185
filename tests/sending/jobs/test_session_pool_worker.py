"""In a real Celery worker process: tasks share one bind, which is unbound at worker shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from sending.jobs import leases
from tests.sending.jobs.conftest import ROOT
from tests.sending.jobs.pool_tasks import pool_send

QUEUE = "pool-test"


def _database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user, host, port = settings["USER"], settings["HOST"], settings["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def celery_worker(redis_url):
    env = {**os.environ, "DATABASE_URL": _database_url(), "SMSPORTAL_SESSION_IDLE_CLOSE": "600"}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    command = [sys.executable, "-m", "celery", "-A", "smsportal", "worker", "-P", "prefork"]
    command += ["-c", "1", "-Q", QUEUE, "-I", "tests.sending.jobs.pool_tasks", "-l", "WARNING"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    yield process
    if process.poll() is None:
        process.kill()
    process.wait()


@pytest.mark.django_db(transaction=True)
def test_tasks_in_a_worker_share_one_bind_until_shutdown(start_smsc, smpp_profile, celery_worker):
    smsc = start_smsc("sandbox")
    profile = smpp_profile(smsc)
    for number in ("+41790000001", "+41790000002", "+41790000003"):
        pool_send.apply_async((profile.pk, number), queue=QUEUE)
    assert smsc.wait_for(lambda: len(smsc.accepted()) == 3, timeout=60)
    binds = [event for event in smsc.events("bind") if event["status"] == 0]
    assert len(binds) == 1  # three tasks, one bind
    assert len(leases.holders(profile.pk)) == 1
    assert not smsc.events("unbind")  # still open between tasks

    celery_worker.send_signal(signal.SIGTERM)  # warm shutdown
    celery_worker.wait(timeout=30)
    assert smsc.wait_for(lambda: smsc.events("unbind"), timeout=5)  # unbound politely
    assert leases.holders(profile.pk) == {}  # and its bind slot given back
