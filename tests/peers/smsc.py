"""SMSC peers on 127.0.0.1 for the SMPP tests and bench/: servers written by others, and our
sandbox, each started as its own process with an ephemeral port and a JSON-lines log of what it
received. Also how a handset would put the parts it got back together.

Peers: "smpp34" (PyPI smpp34, Rust core), "netsmpp" (Debian libnet-smpp-perl), "sandbox" (ours,
`manage.py smsc_sandbox`; it must pass the same suite, never replacing a peer).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.support import need

ROOT = Path(__file__).resolve().parents[2]
PEERS_DIR = ROOT / "tests" / "peers"
SYSTEM_ID, PASSWORD = "smppclient1", "pw-smpp1"

# What each peer can do; a case runs against every peer able to play its part.
CAPABILITIES = {
    "smpp34": {"throttle", "receipts"},
    "netsmpp": {"credentials", "throttle", "drop", "server_enquire", "receipts", "enquire_log"},
    "sandbox": {"credentials", "throttle", "drop", "server_enquire", "receipts", "enquire_log"},
}
PEERS = list(CAPABILITIES)


def peers_with(capability: str) -> list[str]:
    return [name for name in PEERS if capability in CAPABILITIES[name]]


def _perl_has_net_smpp() -> bool:
    perl = shutil.which("perl")
    if not perl:
        return False
    return subprocess.run([perl, "-MNet::SMPP", "-e1"], capture_output=True).returncode == 0


def require(name: str) -> None:
    """Skip (laptop) or fail (CI) when the named peer cannot run here."""
    if name == "smpp34":
        need(importlib.util.find_spec("smpp34") is not None, "PyPI smpp34 not installed (pip)")
    elif name == "netsmpp":
        need(_perl_has_net_smpp(), "Net::SMPP missing (apt-get install libnet-smpp-perl)")


class SmscPeer:
    """A running SMSC process and what it logged."""

    def __init__(self, name: str, log_path: Path | None, system_id: str, password: str, **knobs):
        self.name, self.log_path = name, log_path
        self.system_id, self.password = system_id, password
        args = ["--port", "0", "--system-id", system_id, "--password", password]
        if log_path is not None:  # the benchmark runs without a log
            args += ["--log", str(log_path)]
        for knob, value in knobs.items():
            flag = "--" + knob.replace("_", "-")
            if value is True:
                args.append(flag)
            elif value not in (None, False, 0):
                args += [flag, str(value)]
        command = {
            "smpp34": [sys.executable, str(PEERS_DIR / "smpp34_smsc.py")],
            "netsmpp": ["perl", str(PEERS_DIR / "netsmpp_smsc.pl")],
            "sandbox": [sys.executable, str(ROOT / "manage.py"), "smsc_sandbox", "--quiet"],
        }[name]
        self.process = subprocess.Popen(
            command + args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        self.port = self._read_port()

    def _read_port(self) -> int:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            match = re.search(r"127\.0\.0\.1:(\d+)", line)
            if match:
                return int(match.group(1))
        self.stop()
        raise RuntimeError(f"SMSC peer {self.name} did not start")

    def events(self, kind: str | None = None) -> list[dict]:
        if self.log_path is None or not self.log_path.exists():
            return []
        lines = self.log_path.read_text().splitlines()
        records = [json.loads(line) for line in lines if line.strip()]
        return [r for r in records if kind is None or r["event"] == kind]

    def accepted(self) -> list[dict]:
        return [r for r in self.events("submit_sm") if r["status"] == 0]

    def wait_for(self, predicate, timeout: float = 10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        return predicate()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def start_peer(name: str, log_path: Path, **knobs) -> SmscPeer:
    """The named peer (skipped or failed through need() when missing), with the test
    credentials; knobs: throttle_every, drop_after, enquire_interval, no_receipts, … (each
    peer accepts the ones its CAPABILITIES name)."""
    require(name)
    return SmscPeer(name, log_path, SYSTEM_ID, PASSWORD, **knobs)


def smpp_profile(make_profile, peer: SmscPeer, **fields):
    """A complete SMPP profile pointing at a peer, with timeouts short enough for tests."""
    fields.setdefault("host", "127.0.0.1")
    fields.setdefault("port", peer.port)
    fields.setdefault("username", peer.system_id)
    fields.setdefault("bind_timeout", 5)
    fields.setdefault("response_timeout", 5)
    fields.setdefault("reconnect_delay", 0)
    fields.setdefault("sender", "ACME")
    return make_profile(password=fields.pop("password", peer.password), **fields)


def concatenation(udh: bytes) -> tuple[int, int, int] | None:
    """(reference, total, sequence) from a concatenation UDH (8- or 16-bit reference)."""
    index = 1
    while index + 1 < len(udh):
        iei, length = udh[index], udh[index + 1]
        data = udh[index + 2 : index + 2 + length]
        if iei == 0x00:
            return data[0], data[1], data[2]
        if iei == 0x08:
            return int.from_bytes(data[:2], "big"), data[2], data[3]
        index += 2 + length
    return None


def whole_messages(submits: list[dict]) -> list[tuple[str, str]]:
    """(destination, text) per message in order of its first part, joining UDH-concatenated or
    SAR parts as a handset would. `submits` are records as the peers log them (hex octets)."""
    from profiles.message import segments

    groups: dict[tuple, dict[int, str]] = {}
    for position, record in enumerate(submits):
        data = bytes.fromhex(record["short_message"])
        tlvs = record.get("tlvs") or {}
        if "message_payload" in tlvs:
            data = bytes.fromhex(tlvs["message_payload"])
        encoding = segments.UCS2 if record["data_coding"] == 8 else segments.GSM7
        destination = record["destination_addr"]
        key, number = (destination, "single", position), 1
        if record["esm_class"] & 0x40:
            udh, data = data[: data[0] + 1], data[data[0] + 1 :]
            concat = concatenation(udh)
            assert concat is not None, udh
            key, number = (destination, concat[0], concat[1]), concat[2]
        elif "sar_segment_seqnum" in tlvs:
            key = (destination, int(tlvs["sar_msg_ref_num"], 16), "sar")
            number = int(tlvs["sar_segment_seqnum"], 16)
        groups.setdefault(key, {})[number] = segments.decode(data, encoding)
    return [(key[0], "".join(parts[n] for n in sorted(parts))) for key, parts in groups.items()]


def reassemble(submits: list[dict]) -> dict[str, str]:
    """Destination -> text of the (last) whole message sent to it."""
    return dict(whole_messages(submits))
