"""The process's Redis client for the portal's own keys (throughput counters, bind leases).

settings.REDIS_URL names the Redis that Celery uses too: a redis:// or rediss:// URL, or the
embedded server's `redis+socket:///path` (kombu's spelling), which redis-py calls unix://.
"""

from __future__ import annotations

import os
import threading

import redis
from django.conf import settings

_lock = threading.Lock()
_clients: dict[tuple[int, str], redis.Redis] = {}


def redis_url(url: str | None = None) -> str:
    """The URL in the form redis-py understands."""
    url = url or settings.REDIS_URL
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    return url


def client(url: str | None = None) -> redis.Redis:
    """A shared client (thread-safe, pooled connections); a forked child gets its own."""
    key = (os.getpid(), redis_url(url))
    found = _clients.get(key)
    if found is None:
        with _lock:
            found = _clients.get(key)
            if found is None:
                found = _clients[key] = redis.Redis.from_url(
                    key[1], socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
                )
    return found
