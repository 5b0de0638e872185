"""Messages per second through the Web URL transport (not a test).

    .venv/bin/python bench/web_url_send.py [-n 2000] [--kannel-n 1000]

Peers on 127.0.0.1: the tests' plain HTTP server in its own process, answering 200 at once
(which measures our client) and after 20 ms (like a remote gateway); and Debian's Kannel relaying
to the smpp34 SMPP server, where every message is counted (the run checks all arrived once).
Each runs with concurrency 1 and 8.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")

import django  # noqa: E402

django.setup()

from profiles.models import SmsProfile  # noqa: E402
from sending.transports import WEB_URL  # noqa: E402
from sending.transports.base import OutgoingMessage, SendResult  # noqa: E402
from sending.transports.web_url.pool import close_sessions  # noqa: E402
from sending.transports.web_url.presets import PRESETS  # noqa: E402
from sending.transports.web_url.transport import WebUrlTransport  # noqa: E402
from tests.peers import kannel as kannel_peer  # noqa: E402


def profile(url: str, concurrency: int, **fields) -> SmsProfile:
    sms_profile = SmsProfile(
        name="bench", protocol=WEB_URL, url=url, concurrency=concurrency, **fields
    )
    sms_profile.password = kannel_peer.PASSWORD
    return sms_profile


def run(sms_profile: SmsProfile, count: int, tag: str) -> tuple[float, int]:
    batch = [
        OutgoingMessage(to="+4915112345678", sender="ACME", text=f"bench {tag} #{n} & more")
        for n in range(count)
    ]
    started = time.perf_counter()
    with WebUrlTransport(sms_profile) as transport:
        ok = sum(isinstance(r, SendResult) for _m, r in transport.send_many(batch))
    return time.perf_counter() - started, ok


def plain_http(count: int, delay: float = 0.0) -> None:
    # The server runs in its own process so that it does not share our GIL.
    server = subprocess.Popen(
        [sys.executable, "-m", "tests.peers.http_gateway", str(delay)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = server.stdout.readline().strip()
        for concurrency in (1, 8):
            sms_profile = profile(url + "/send?to={to}&text={text}", concurrency)
            run(sms_profile, 50, "warm")
            seconds, ok = run(sms_profile, count, f"c{concurrency}")
            print(
                f"plain HTTP, {delay * 1000:.0f} ms answers, concurrency {concurrency}: "
                f"{count} messages in {seconds:.2f} s = {count / seconds:,.0f} msg/s ({ok} ok)"
            )
            close_sessions()
    finally:
        server.stdin.close()
        server.wait(timeout=10)


def kannel(count: int) -> None:
    if not kannel_peer.available():
        print("Kannel: not installed (apt-get install kannel); skipped")
        return
    from tests.peers.smpp_sink import SmppSink, reassemble

    with SmppSink() as sink, kannel_peer.Kannel(sink.port) as gateway:
        preset = PRESETS["kannel"]
        url = preset["url"].replace("http://127.0.0.1:13013/cgi-bin/sendsms", gateway.sendsms_url)
        fields = {k: preset[k] for k in ("success_regex", "permanent_failure_regex")}
        for concurrency in (1, 8):
            sms_profile = profile(url, concurrency, username=kannel_peer.USERNAME, **fields)
            tag = f"k{concurrency}"
            started = time.perf_counter()
            seconds, ok = run(sms_profile, count, tag)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                texts = [t for t in reassemble(sink.wait_for(0)) if f" {tag} " in t]
                if len(texts) >= ok:
                    break
                time.sleep(0.01)
            end_to_end = time.perf_counter() - started
            once = all(n == 1 for n in Counter(texts).values())
            print(
                f"Kannel      concurrency {concurrency}: {count} messages accepted in "
                f"{seconds:.2f} s = {count / seconds:,.0f} msg/s ({ok} ok); all {len(texts)} at "
                f"the SMSC after {end_to_end:.2f} s = {len(texts) / end_to_end:,.0f} msg/s, "
                f"each once: {once}"
            )
            close_sessions()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="messages per plain HTTP run")
    parser.add_argument("--kannel-n", type=int, default=1000, help="messages per Kannel run")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs")
    plain_http(args.n)
    plain_http(max(args.n // 10, 50), delay=0.02)  # a gateway that takes 20 ms to answer
    kannel(args.kannel_n)


if __name__ == "__main__":
    main()
