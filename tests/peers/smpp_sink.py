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


@dataclass
class Submitted:
    source: str
    destination: str
    short_message: bytes
    data_coding: int
    esm_class: int
    message_id: str

    @property
    def udh(self) -> bytes:
        if not self.esm_class & 0x40:
            return b""
        return self.short_message[: self.short_message[0] + 1]

    @property
    def text(self) -> str:
        """This part's text (GSM 03.38 unpacked for data_coding 0, UCS-2 for 8)."""
        from profiles.message.segments import decode

        body = self.short_message[len(self.udh) :]
        return decode(body, "ucs2" if self.data_coding == 8 else "gsm7")

    @property
    def concatenation(self) -> tuple[int, int, int] | None:
        """(reference, total, sequence) from a concatenation UDH (8- or 16-bit reference)."""
        udh, index = self.udh, 1
        while index + 1 < len(udh):
            iei, length = udh[index], udh[index + 1]
            data = udh[index + 2 : index + 2 + length]
            if iei == 0x00:
                return data[0], data[1], data[2]
            if iei == 0x08:
                return int.from_bytes(data[:2], "big"), data[2], data[3]
            index += 2 + length
        return None


def reassemble(parts: list[Submitted]) -> list[str]:
    """Whole messages, in order of their first part: concatenated parts joined by sequence."""
    whole: dict[tuple, dict[int, str]] = {}
    for number, part in enumerate(parts):
        concat = part.concatenation
        key = (part.destination, concat[0], concat[1]) if concat else ("single", number)
        whole.setdefault(key, {})[concat[2] if concat else 1] = part.text
    return ["".join(pieces[n] for n in sorted(pieces)) for pieces in whole.values()]


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
