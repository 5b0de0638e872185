"""An SMPP server written by others (PyPI smpp34, Rust core) run on 127.0.0.1 for the tests.

It accepts every bind and every submit_sm (answering with ids 1, 2, 3, …) and records what it
got. `pause()` holds the answers back, as a congested SMSC would; `resume()` releases them.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

from tests.peers.smsc import concatenation, whole_messages


@dataclass
class Submitted:
    source: str
    destination: str
    short_message: bytes
    data_coding: int
    esm_class: int
    message_id: str

    @property
    def record(self) -> dict:
        """This submit_sm as the subprocess peers log it (see tests/peers/smsc.py)."""
        return {
            "destination_addr": self.destination,
            "short_message": self.short_message.hex(),
            "data_coding": self.data_coding,
            "esm_class": self.esm_class,
        }

    @property
    def concatenation(self) -> tuple[int, int, int] | None:
        """(reference, total, sequence) from a concatenation UDH (8- or 16-bit reference)."""
        if not self.esm_class & 0x40:
            return None
        return concatenation(self.short_message[: self.short_message[0] + 1])


def reassemble(parts: list[Submitted]) -> list[str]:
    """Whole messages, in order of their first part: concatenated parts joined by sequence."""
    return [text for _destination, text in whole_messages([part.record for part in parts])]


def free_port() -> int:
    """A port that was free a moment ago (Kannel and smpp34 need a number, not port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmppSink:
    def __init__(self):
        import smpp34

        self._smpp34 = smpp34
        self.port = free_port()
        self.received: list[Submitted] = []
        self.binds = 0
        self._lock = threading.Lock()
        self._next_id = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._open: asyncio.Event | None = None
        self._server = None

    def start(self) -> SmppSink:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        self._task = asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        return self

    async def _start(self):
        self._open = asyncio.Event()
        self._open.set()
        self._server = self._smpp34.Server("127.0.0.1", self.port, system_id="sink")
        await self._server.start()

    async def _serve(self):
        while True:
            event = await self._server.next()
            if isinstance(event, self._smpp34.SubmitSmEvent):
                asyncio.ensure_future(self._answer(event))
            elif isinstance(event, self._smpp34.Esme):
                with self._lock:
                    self.binds += 1

    async def _answer(self, event):
        await self._open.wait()
        with self._lock:
            self._next_id += 1
            message_id = str(self._next_id)
            self.received.append(
                Submitted(
                    event.source_addr,
                    event.destination_addr,
                    bytes(event.short_message),
                    event.data_coding,
                    event.esm_class,
                    message_id,
                )
            )
        event.accept(message_id)

    async def _stop(self):
        await self._server.stop()

    def pause(self) -> None:
        self._loop.call_soon_threadsafe(self._open.clear)

    def resume(self) -> None:
        self._loop.call_soon_threadsafe(self._open.set)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Submitted]:
        """Wait until at least `count` submit_sm were answered; return them all."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        with self._lock:
            return list(self.received)

    def stop(self) -> None:
        self._task.cancel()
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
