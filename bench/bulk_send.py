"""Benchmark: a bulk job end to end on real Celery worker processes to the Net::SMPP server.

    .venv/bin/python bench/bulk_send.py [--count 100000] [--db sqlite postgres] [--workers 1 2]
                                        [--cap 500] [--cap-count 5000] [--pg-name NAME]

For each database and worker count: a job of `count` single-part messages, Asynchronous with
window 100, no cap, from the moment it is started (the dispatcher's first tick) until the last
message's state is written (every state written: sent_at, provider id part row, per-second row).
Prints msg/s and the ratio to a raw client writing pre-encoded submit_sm to the same server in
the same run (bench/smpp_send.py's ceiling). Then a job with a cap of `cap` parts/s on two workers:
the achieved rate and the highest one-second count at the server (from its log); `cap-count` must
be at least three seconds at the cap (3 x cap), and --cap 0 skips that run. The workers' resident
memory is sampled through the job (at 10 %, 50 % and 100 %), to see it stays flat. PostgreSQL uses
its own database, --pg-name (default smsportal_bulk_bench; created and dropped). Not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
VAR = ROOT / "var"
PG_HOST = "postgres://postgres@127.0.0.1:5432"
SQLITE_URL = f"sqlite:///{VAR / 'bench-bulk.sqlite3'}"


DB_CHOICES = ("sqlite", "postgres")


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def child(args) -> None:
    """Runs inside one database's environment: migrate, then the jobs; prints JSON lines."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db.models import Sum
    from django.utils import timezone

    from profiles import choices
    from profiles.models import SmsProfile
    from sending import tasks
    from sending.jobs import dispatcher
    from sending.models import BulkJob, JobSecond, Message, MessagePart
    from tests.peers.smsc import SmscPeer

    def make(peer, count, workers, cap):
        profile = SmsProfile(
            name=f"bench {time.time()}", host="127.0.0.1", port=peer.port,
            username=peer.system_id, processing_mode=choices.ProcessingMode.ASYNCHRONOUS,
            window_size=100, sender="ACME", delivery_receipts=choices.DeliveryReceipts.NONE,
            response_timeout=30, max_binds=workers, throughput=cap, saved_steps=0b1111,
            message="x",
        )  # fmt: skip
        profile.password = peer.password
        profile.save()
        job = BulkJob.objects.create(name="bench", profile=profile, status=BulkJob.Status.READY)
        batch = []
        for n in range(count):
            batch.append(
                Message(
                    profile=profile, job=job, kind=Message.Kind.BULK, row=n, sender="ACME",
                    to=f"+4915{100000000 + n}", text=f"Benchmark message {n}", encoding="gsm7",
                    parts_count=1,
                )
            )  # fmt: skip
            if len(batch) == 5000:
                Message.objects.bulk_create(batch)
                batch = []
        Message.objects.bulk_create(batch)
        return job

    def workers_start(count):
        env = dict(os.environ, SMSPORTAL_BULK_TASK_SECONDS="600")
        procs = []
        for n in range(count):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "smsportal",
                        "worker",
                        "-P",
                        "solo",
                        "-Q",
                        "bulk",
                        "-n",
                        f"bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "--loglevel",
                        "WARNING",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )  # fmt: skip
            )
        time.sleep(4)  # started and connected
        return procs

    def run(peer, count, workers, cap=0):
        job = make(peer, count, workers, cap)
        procs = workers_start(workers)
        memory = []
        try:
            started = time.time()
            BulkJob.objects.filter(pk=job.pk).update(
                status=BulkJob.Status.SCHEDULED, scheduled_at=timezone.now()
            )
            marks = [0.1, 0.5]
            while True:
                dispatcher.dispatch(tasks._enqueue_slot)
                job.refresh_from_db()
                if job.status == BulkJob.Status.FINISHED:
                    break
                # The per-second rows, not a COUNT over the messages: the bench must not load
                # the database it measures.
                done = 0
                if marks:
                    done = JobSecond.objects.filter(job=job).aggregate(n=Sum("messages_sent"))["n"]
                    done = done or 0
                if marks and done >= marks[0] * count:
                    marks.pop(0)
                    memory.append([round(rss_mb(p.pid), 1) for p in procs])
                time.sleep(0.25)
            memory.append([round(rss_mb(p.pid), 1) for p in procs])
            last = (
                Message.objects.filter(job=job)
                .order_by("-sent_at")
                .values_list("sent_at", flat=True)[0]
            )
            elapsed = last.timestamp() - started
            sent = Message.objects.filter(job=job, status="sent").count()
            parts = MessagePart.objects.filter(message__job=job).count()
            assert sent == parts == count, (sent, parts, count)
            return {"elapsed": elapsed, "rate": count / elapsed, "memory_mb": memory}
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(20)

    peer = SmscPeer("netsmpp", None, "bench", "bench-pw", no_receipts=True, fork=True)
    try:
        for workers in args.workers:
            result = run(peer, args.count, workers)
            print(json.dumps({"kind": "nocap", "workers": workers, **result}), flush=True)
    finally:
        peer.stop()
    if args.cap:
        log = VAR / f"bench-cap-{os.getpid()}.jsonl"
        peer = SmscPeer("netsmpp", log, "bench", "bench-pw", no_receipts=True, fork=True)
        try:
            result = run(peer, args.cap_count, 2, cap=args.cap)
            stamps = [r["t"] for r in peer.accepted()]
            seconds: dict[int, int] = {}
            for stamp in stamps:
                seconds[int(stamp)] = seconds.get(int(stamp), 0) + 1
            rate = len(stamps) / (max(stamps) - min(stamps))
            full = [seconds.get(s, 0) for s in range(min(seconds) + 1, max(seconds))]
            print(json.dumps({"kind": "cap", "highest_second": max(seconds.values()),
                              "highest_full_second": max(full, default=None),
                              "server_rate": rate, **result}), flush=True)  # fmt: skip
        finally:
            peer.stop()
            log.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"], choices=DB_CHOICES)
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--cap", type=int, default=500)
    parser.add_argument("--cap-count", type=int, default=5000)
    parser.add_argument("--pg-name", default="smsportal_bulk_bench", help="created and dropped")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cap and args.cap_count < 3 * args.cap:
        # The highest count after the first second needs a full second between the first and
        # the last: at least three seconds of sending at the cap.
        parser.error(
            f"--cap-count {args.cap_count} is too small for --cap {args.cap}: the cap run needs "
            f"at least 3 x cap = {3 * args.cap} messages (three seconds at the cap); "
            "or --cap 0 to skip it"
        )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")
    if args.child:
        child(args)
        return

    from smsportal import embedded_redis

    socket_path = VAR / f"bench-redis-{os.getpid()}.sock"
    redis = embedded_redis.start(socket_path)
    env = dict(os.environ, REDIS_URL=f"redis+socket://{socket_path}")
    try:
        os.environ["SMSPORTAL_EMBEDDED_REDIS_SOCKET"] = str(socket_path)
        import django

        django.setup()
        from bench.smpp_send import run_raw
        from tests.peers.smsc import SmscPeer

        with SmscPeer("netsmpp", None, "bench", "bench-pw", no_receipts=True) as peer:
            raw = run_raw(peer, min(args.count, 50_000))
        print(f"raw pre-encoded client, window 100: {raw:,.0f} msg/s", flush=True)
        for db in args.db:
            url = SQLITE_URL if db == "sqlite" else f"{PG_HOST}/{args.pg_name}"
            if db == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(str(VAR / "bench-bulk.sqlite3") + suffix).unlink(missing_ok=True)
            else:
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists",
                                args.pg_name], check=True)  # fmt: skip
                subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", args.pg_name],
                               check=True)  # fmt: skip
            argv = [sys.executable, __file__, "--child", "--count", str(args.count), "--workers",
                    *map(str, args.workers), "--cap", str(args.cap if db == args.db[0] else 0),
                    "--cap-count", str(args.cap_count)]  # fmt: skip
            out = subprocess.run(
                argv, env=dict(env, DATABASE_URL=url), capture_output=True, text=True, cwd=ROOT
            )
            if out.returncode:
                print(out.stderr[-3000:])
                continue
            for line in out.stdout.splitlines():
                if not line.startswith("{"):
                    continue
                r = json.loads(line)
                if r["kind"] == "nocap":
                    print(
                        f"{db:8} {r['workers']} worker(s), {args.count:,} messages, no cap: "
                        f"{r['rate']:,.0f} msg/s ({r['elapsed']:.1f} s), "
                        f"{r['rate'] / raw:.2f} of the raw client; worker RSS MB at "
                        f"10/50/100 %: {r['memory_mb']}",
                        flush=True,
                    )
                else:
                    print(
                        f"{db:8} 2 workers, cap {args.cap} parts/s, {args.cap_count:,} messages: "
                        f"{r['server_rate']:,.0f} msg/s at the server, highest one-second "
                        f"count {r['highest_second']} (after the first second: "
                        f"{r['highest_full_second']})",
                        flush=True,
                    )
            if db == "postgres":
                subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists",
                                args.pg_name], check=False)  # fmt: skip
    finally:
        redis.terminate()
        redis.wait(10)
        socket_path.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
