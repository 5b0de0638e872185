"""Debian's Kannel (bearerbox + smsbox) on 127.0.0.1, relaying sendsms to an SMPP server.

`Kannel(smsc_port)` writes a kannel.conf with free ports into a temporary directory, starts
bearerbox then smsbox, and waits until the SMSC link is online and sendsms answers. Its logs stay
in the directory and are attached to the error when startup fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.peers.smpp_sink import free_port

BEARERBOX = "/usr/sbin/bearerbox"
SMSBOX = "/usr/sbin/smsbox"
USERNAME, PASSWORD = "tester", "foo&bar pw"
ADMIN_PASSWORD = "admin-pw"

CONF = """\
group = core
admin-port = {admin_port}
admin-interface = 127.0.0.1
admin-password = {admin_password}
admin-allow-ip = 127.0.0.1
smsbox-port = {smsbox_port}
smsbox-interface = 127.0.0.1
box-allow-ip = 127.0.0.1
log-file = {dir}/bearerbox.log
log-level = 1
dlr-storage = internal
sms-outgoing-queue-limit = {queue_limit}

group = smsc
smsc = smpp
smsc-id = peer
host = 127.0.0.1
port = {smsc_port}
receive-port = 0
transceiver-mode = {transceiver}
msg-id-type = 0x00
smsc-username = kannel
smsc-password = kannelpw
system-type = ""
max-pending-submits = 10
reconnect-delay = 1
enquire-link-interval = 30

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = {smsbox_port}
sendsms-port = {sendsms_port}
sendsms-interface = 127.0.0.1
log-file = {dir}/smsbox.log
log-level = 1
mo-recode = false

group = sendsms-user
username = {username}
password = "{password}"
max-messages = 10
concatenation = true
"""


def available() -> bool:
    return os.access(BEARERBOX, os.X_OK) and os.access(SMSBOX, os.X_OK)


class Kannel:
    def __init__(self, smsc_port: int, *, queue_limit: int = -1, transceiver: bool = False):
        """transceiver=True binds as a transceiver, so the SMSC's receipts reach Kannel, which
        then calls each message's dlr-url (both ids read as decimal: msg-id-type 0x00)."""
        self.smsc_port, self.queue_limit = smsc_port, queue_limit
        self.transceiver = transceiver
        self._dir = tempfile.TemporaryDirectory(prefix="kannel-")
        self.dir = Path(self._dir.name)
        self.conf = self.dir / "kannel.conf"
        self._processes: list[subprocess.Popen] = []
        self._outputs: list = []
        self._configure()

    def _configure(self) -> None:
        # Kannel needs port numbers, not port 0: take free ones (start() retries on a clash).
        self.admin_port, self.smsbox_port, self.sendsms_port = (free_port() for _ in range(3))
        self.conf.write_text(
            CONF.format(
                dir=self.dir,
                admin_port=self.admin_port,
                admin_password=ADMIN_PASSWORD,
                smsbox_port=self.smsbox_port,
                sendsms_port=self.sendsms_port,
                smsc_port=self.smsc_port,
                queue_limit=self.queue_limit,
                transceiver="true" if self.transceiver else "false",
                username=USERNAME,
                password=PASSWORD,
            )
        )
        self.sendsms_url = f"http://127.0.0.1:{self.sendsms_port}/cgi-bin/sendsms"

    def _spawn(self, binary: str) -> subprocess.Popen:
        out = open(self.dir / (Path(binary).name + ".out"), "ab")  # noqa: SIM115
        self._outputs.append(out)
        process = subprocess.Popen(
            [binary, str(self.conf)], stdout=out, stderr=subprocess.STDOUT, cwd=self.dir
        )
        self._processes.append(process)
        return process

    def start(self, timeout: float = 5.0, attempts: int = 3) -> Kannel:
        for attempt in range(1, attempts + 1):
            deadline = time.monotonic() + timeout
            try:
                self.bearerbox = self._spawn(BEARERBOX)
                self._wait(deadline, lambda: "(online" in self.status(), "the SMSC link online")
                self.smsbox = self._spawn(SMSBOX)
                self._wait(deadline, self._sendsms_answers, "sendsms answering")
                return self
            except RuntimeError:
                self._terminate()
                if attempt == attempts:
                    self._dir.cleanup()
                    raise
                self._configure()
        raise AssertionError("unreachable")

    def status(self) -> str:
        url = f"http://127.0.0.1:{self.admin_port}/status.txt?password={ADMIN_PASSWORD}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError:
            return ""

    def _sendsms_answers(self) -> bool:
        try:
            urllib.request.urlopen(self.sendsms_url, timeout=2)
        except urllib.error.HTTPError:
            return True  # 403 without credentials: smsbox is up and connected
        except OSError:
            return False
        return True

    def _wait(self, deadline: float, ready, what: str) -> None:
        while not ready():
            dead = [p.args[0] for p in self._processes if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"Kannel never got {what} (exited: {dead})\n{self.logs()}")
            time.sleep(0.1)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.dir.glob("*.out")) + sorted(self.dir.glob("*.log"))
        )

    def freeze_bearerbox(self) -> None:
        """SIGSTOP: smsbox keeps accepting HTTP but gets no answer from the bearerbox."""
        self.bearerbox.send_signal(signal.SIGSTOP)
        stat = Path(f"/proc/{self.bearerbox.pid}/stat")
        deadline = time.monotonic() + 5
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "T":
            if time.monotonic() > deadline:
                raise RuntimeError("bearerbox did not stop")
            time.sleep(0.01)

    def thaw_bearerbox(self) -> None:
        self.bearerbox.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self._terminate()
        self._dir.cleanup()

    def _terminate(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
        for process in reversed(self._processes):
            try:
                # bearerbox waits long for the SMSC link to close on SIGTERM; do not wait for it.
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._processes.clear()
        for out in self._outputs:
            out.close()
        self._outputs.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
