"""The Net::SMPP SMSC (tests/peers/netsmpp_smsc.pl, Debian's libnet-smpp-perl) on 127.0.0.1 for
the sending tests: credentials checked, decimal message ids, a receipt per submit_sm on
transceiver binds. Every PDU it got is read back from its JSON log."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.support import need

SCRIPT = Path(__file__).resolve().parent.parent / "peers" / "netsmpp_smsc.pl"
SYSTEM_ID, PASSWORD = "smppclient1", "s3cret"


def available() -> bool:
    if not SCRIPT.exists():
        return False
    probe = subprocess.run(["perl", "-MNet::SMPP", "-MJSON::PP", "-e1"], capture_output=True)
    return probe.returncode == 0


class NetSmppPeer:
    def __init__(self, log_path: Path, *extra: str):
        need(available(), "Net::SMPP peer missing (apt-get install libnet-smpp-perl)")
        self.log_path = log_path
        self.process = subprocess.Popen(
            ["perl", str(SCRIPT), "--port", "0", "--system-id", SYSTEM_ID,
             "--password", PASSWORD, "--log", str(log_path), *extra],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        line = self.process.stdout.readline()
        if not line.startswith("listening on"):
            self.stop()
            raise RuntimeError(f"Net::SMPP peer did not start: {line!r}")
        self.port = int(line.rsplit(":", 1)[1])

    def events(self, kind: str | None = None) -> list[dict]:
        if not self.log_path.exists():
            return []
        rows = [json.loads(line) for line in self.log_path.read_text().splitlines() if line]
        return [row for row in rows if kind is None or row["event"] == kind]

    def submits(self) -> list[dict]:
        return self.events("submit_sm")

    def wait_for(self, kind: str, count: int, timeout: float = 10) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events(kind)) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.events(kind)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def smpp_profile(make_profile, peer: NetSmppPeer, **fields):
    fields.setdefault("bind_mode", "transceiver")
    fields.setdefault("message", "Hello {{ customer.first_name }}")
    return make_profile(
        protocol="smpp", host="127.0.0.1", port=peer.port, username=SYSTEM_ID,
        password=fields.pop("password", PASSWORD), **fields,
    )  # fmt: skip
