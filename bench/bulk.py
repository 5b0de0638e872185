"""Import speed and memory of bulk jobs (not a test).

    .venv/bin/python bench/bulk.py [--rows 100000 1000000]

Each size runs in a fresh process on its own SQLite database (or DATABASE_URL's database, which
is then emptied of jobs first): a CSV of that many recipients (number, first name, language;
1 % bad numbers, 1 % duplicates) is imported with the real importer, and the process prints the
seconds, rows per second, the CPU seconds of the process (SQLite works inside it, so on a shared
machine these vary less than the wall-clock seconds; PostgreSQL's server is not counted), its
peak RSS before and after the import (resource.getrusage), and, as the reference in the same run,
the seconds the stdlib csv module takes only to read the file. DEBUG is off (as in production:
with it on, Django formats and keeps every query).
Memory is flat when the peak after the import hardly grows from 100,000 to 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process_stats import cpu_seconds, peak_mb

ROOT = Path(__file__).resolve().parent.parent


def write_csv(path: Path, rows: int) -> None:
    languages = ["en", "fr", "de"]
    with path.open("w", encoding="utf-8") as handle:
        handle.write("phone;first name;language\n")
        for n in range(rows):
            if n % 100 == 99:
                handle.write(f"12{n};Bad;en\n")
            elif n % 100 == 98:
                handle.write(f"+49151{n - 1:08d};Again;en\n")
            else:
                handle.write(f"+49151{n:08d};Name{n};{languages[n % 3]}\n")


def child(rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    import csv

    from django.core.files import File
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from profiles.models import SmsProfile
    from sending.jobs import create, importer
    from sending.models import BulkJob

    BulkJob.objects.all().delete()
    SmsProfile.objects.filter(name="bench bulk").delete()
    profile = SmsProfile(
        name="bench bulk", host="127.0.0.1", port=2775, username="bench", is_global=True,
        message="Hello {{ customer.first_name }}, your parcel is ready.",
        message_fr="Bonjour {{ customer.first_name }}, votre colis est prêt.",
        message_de="Hallo {{ customer.first_name }}, Ihr Paket ist bereit.",
        multilingual=True, saved_steps=0b1111,
    )  # fmt: skip
    profile.save()
    path = Path(os.environ["SMSPORTAL_VAR_DIR"]) / f"recipients-{rows}.csv"
    write_csv(path, rows)

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        read = sum(1 for _ in csv.reader(handle, delimiter=";"))
    reference = time.perf_counter() - started

    from sending.jobs import totals

    rows_done = {}
    real_compute = totals.compute

    def compute(job):  # the peak once every row is written, before the totals' queries
        rows_done["mb"] = peak_mb()
        return real_compute(job)

    totals.compute = compute
    before = peak_mb()
    cpu = cpu_seconds()
    started = time.perf_counter()
    with path.open("rb") as handle:
        job = create.create_job(profile=profile, name="bench", upload=File(handle, name=path.name))
    mapping = {"phone": "phone", "first name": "data:customer.first_name", "language": "language"}
    assert create.confirm_mapping(job, mapping) == []
    job = importer.run_import(job.pk)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu
    assert job.status == BulkJob.Status.READY, job.import_error
    print(
        f"{rows:>9,} rows  {seconds:7.1f} s  {rows / seconds:8,.0f} rows/s  CPU {cpu:6.1f} s  "
        f"imported {job.rows_imported:,}  rejected {job.rows_rejected:,}  "
        f"duplicates {job.rows_duplicate:,}  peak RSS {before:4.0f} MB before, "
        f"{rows_done['mb']:4.0f} MB after the rows, {peak_mb():4.0f} MB after the totals  "
        f"(csv.reader alone: {reference:5.2f} s for {read:,} lines, "
        f"ratio {seconds / reference:5.1f})",
        flush=True,
    )
    BulkJob.objects.filter(pk=job.pk).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    database = os.environ.get("DATABASE_URL", "SQLite")
    print(f"Bulk import on {database.split('@')[-1]}, batches of 2,000", flush=True)
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="bench-bulk-") as var_dir:
            env = {**os.environ, "SMSPORTAL_VAR_DIR": var_dir}
            subprocess.run(
                [sys.executable, __file__, "--child", str(rows)], cwd=ROOT, env=env, check=True
            )


if __name__ == "__main__":
    main()
