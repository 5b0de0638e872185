"""Writing a sender's outcomes on a second database connection, in a thread, while the sending
thread keeps the SMPP window full.

One batch is written at a time: handing over the next waits for the previous, so what may be at
the SMSC without a written outcome stays bounded by the batch being written, the one being
collected and the window (all in status submitting: after a crash the sweeper marks them
possibly sent). An error in the writer is raised in the sending thread at the next hand-over or
wait, never lost. The database driver releases the GIL while it waits for the server, so the
two threads overlap.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection

from .record import Batch, write


class Writer:
    def __init__(self):
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bulk-writer")
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

    def close(self) -> None:
        """The thread's connection closed and the thread ended (after the last batch)."""
        try:
            self._pool.submit(_close_connection).result()
        finally:
            self._pool.shutdown()


def _close_connection() -> None:
    connection.close()  # django.db.connection is per thread: here, the writer's own
