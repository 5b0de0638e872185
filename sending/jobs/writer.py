"""Database work of a sender done in threads on connections of their own, while the sending
thread keeps the SMPP window full: writing the outcomes (Writer) and claiming the next chunk
(Claimer). Each runs on its own PostgreSQL backend, so the two overlap with each other as well.

One batch of outcomes is written at a time: handing over the next waits for the previous, so
what may be at the SMSC without a written outcome stays bounded by the batch being written, the
one being collected and the window (all in a chunk marked handed: after a crash the sweeper marks
them possibly sent). A chunk claimed ahead is not handed yet: after a crash it is queued again.
An error in a thread is raised in the sending thread at the next hand-over, wait or take, never
lost. The database driver releases the GIL while it waits for the server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection

from .claim import Claimed
from .record import Batch, write

log = logging.getLogger(__name__)

Chunk = tuple[str, list[Claimed]]  # (claim token, rows), as claim.claim_batch returns it


class _DatabaseThread:
    """One thread with its own database connection (django.db.connection is per thread)."""

    def __init__(self, name: str):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def close(self) -> None:
        """The thread's connection closed and the thread ended (after its last task)."""
        try:
            self._pool.submit(_close_connection).result()
        finally:
            self._pool.shutdown()


class Writer(_DatabaseThread):
    def __init__(self):
        super().__init__("bulk-writer")
        self._pending: Future | None = None
        self._keys: list[str] = []  # provider keys of the parts of the batch being written
        self._committed: list[str] = []

    def hand_over(self, batch: Batch, keys: list[str]) -> None:
        """Write `batch` in the writer thread once the previous one is committed; `keys`: the
        provider keys of its parts."""
        self.wait()
        if batch:
            self._pending, self._keys = self._pool.submit(write, batch), keys

    def wait(self) -> None:
        """Until the batch being written is committed (its error is raised here)."""
        pending, keys = self._pending, self._keys
        self._pending, self._keys = None, []
        if pending is not None:
            pending.result()
            self._committed += keys

    def committed(self) -> list[str]:
        """The provider keys written since the last call (receipts waiting for them can match)."""
        keys, self._committed = self._committed, []
        return keys


class Claimer(_DatabaseThread):
    """Claims the next chunk while the one before is sent."""

    def __init__(self, claim: Callable[[], Chunk]):
        super().__init__("bulk-claimer")
        self._claim = claim
        self._ahead: Future | None = None

    def claim_ahead(self) -> None:
        if self._ahead is None:
            self._ahead = self._pool.submit(self._claim)

    def take(self) -> Chunk:
        """The chunk claimed ahead (waiting for its claim if need be), now the caller's."""
        self.claim_ahead()
        ahead, self._ahead = self._ahead, None
        return ahead.result()

    def ahead_token(self) -> str | None:
        """The claim of the chunk claimed ahead, once claimed (its lease is renewed with the
        others'; one still being claimed has a fresh lease)."""
        if self._ahead is None or not self._ahead.done() or self._ahead.exception():
            return None
        return self._ahead.result()[0]

    def give_up(self) -> list[Claimed]:
        """The rows of the chunk claimed ahead, which will not be sent now (none when its claim
        failed: its transaction claimed nothing)."""
        if self._ahead is None:
            return []
        ahead, self._ahead = self._ahead, None
        if ahead.exception() is not None:
            log.error("claiming ahead failed", exc_info=ahead.exception())
            return []
        return ahead.result()[1]


def _close_connection() -> None:
    connection.close()  # looked up in the thread: the thread's own connection
