"""Export speed of a job's messages: XLSX against CSV in the same run (not a test).

    .venv/bin/python bench/export.py [--messages 100000]

Runs in a fresh SQLite database (or DATABASE_URL's, whose bench job is replaced): one job of that
many messages (nine in ten sent, each with a provider id, the rest failed with an error), then the
real export functions write the CSV (sending.jobs.export.csv_lines, every line consumed) and the
XLSX (xlsx_file, the finished workbook), and the process prints the seconds and CPU seconds of
each, the ratio XLSX / CSV, the XLSX's size and the peak RSS after each (resource.getrusage: it
stays flat when the export streams).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from process_stats import cpu_seconds, peak_mb

ROOT = Path(__file__).resolve().parent.parent


def seed(count: int):
    from django.db import connection
    from django.utils import timezone

    from profiles.models import SmsProfile
    from sending.jobs.insert import insert_messages
    from sending.jobs.recipients import Recipient
    from sending.models import BulkJob, Message, MessagePart

    BulkJob.objects.filter(name="bench export").delete()
    profile, _ = SmsProfile.objects.get_or_create(
        name="bench export", defaults={"host": "127.0.0.1", "port": 2775, "username": "bench"}
    )
    job = BulkJob.objects.create(name="bench export", profile=profile, status="finished")
    for start in range(0, count, 2000):
        insert_messages([
            Recipient(profile.pk, job.pk, Message.Kind.BULK, f"+49151{n:08d}", n + 2, "Shop",
                      f"Hello Name{n}, your parcel is ready.", "en", "gsm7", 1,
                      {"customer.first_name": f"Name{n}"}, "Europe/Berlin", None)
            for n in range(start, min(count, start + 2000))
        ])  # fmt: skip
    messages = Message.objects.filter(job=job)
    now = timezone.now()
    messages.update(status="sent", sent_at=now, finished_at=now, attempts=1)
    failed = list(messages.order_by("pk").values_list("pk", flat=True)[::10])
    for start in range(0, len(failed), 2000):
        Message.objects.filter(pk__in=failed[start : start + 2000]).update(
            status="failed", sent_at=None, error_code="ESME_RINVDSTADR", error_reason="invalid"
        )
    m, p = Message._meta.db_table, MessagePart._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {p} (message_id, "index", provider_id, provider_key, receipt_status, '
            "receipt_error, receipt_raw) "
            f"SELECT id, 1, 'smsc-' || id, 'smsc-' || id, '', '', '' FROM {m} "
            "WHERE job_id = %s AND status = 'sent'",
            [job.pk],
        )
    return job


def child(count: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sending.jobs import export

    job = seed(count)
    results = {}
    for kind in ("csv", "xlsx"):
        cpu, started = cpu_seconds(), time.perf_counter()
        if kind == "csv":
            size = sum(len(line.encode()) for line in export.csv_lines(job))
        else:
            output = export.xlsx_file(job)
            size = output.seek(0, 2)
            output.close()
        results[kind] = (time.perf_counter() - started, cpu_seconds() - cpu, size, peak_mb())
    for kind, (seconds, cpu, size, peak) in results.items():
        print(
            f"{count:>9,} messages  {kind:4}  {seconds:6.1f} s  CPU {cpu:6.1f} s  "
            f"{size / 1e6:6.1f} MB  peak RSS {peak:4.0f} MB",
            flush=True,
        )
    print(f"XLSX / CSV: {results['xlsx'][0] / results['csv'][0]:.1f} (wall), "
          f"{results['xlsx'][1] / results['csv'][1]:.1f} (CPU)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    import subprocess

    with tempfile.TemporaryDirectory(prefix="bench-export-") as var_dir:
        env = {**os.environ, "SMSPORTAL_VAR_DIR": var_dir}
        subprocess.run(
            [sys.executable, __file__, "--child", str(args.messages)], cwd=ROOT, env=env, check=True
        )


if __name__ == "__main__":
    main()
