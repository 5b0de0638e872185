"""Which sender tasks a running job has: one Redis key per (job, slot), held by one task.

The dispatcher offers a slot by setting its key to a new task id (SET NX with a TTL) and only then
queues that task, so ticks of the dispatcher never pile tasks up; the task renews the key while it
runs and deletes it when it stops. A worker that dies stops renewing: the key expires and the next
tick queues a new task. Losing Redis loses the keys only (the work lives in the database): the
running tasks set their keys again, the dispatcher starts the missing ones.
"""

from __future__ import annotations

import logging
import uuid

import redis
from django.conf import settings

from profiles.choices import BindMode
from smsportal import redis_client

from ..transports import SMPP

log = logging.getLogger(__name__)


def ttl() -> int:
    """Seconds a slot outlives its task's last renewal (the task renews it every few seconds)."""
    return int(settings.SMSPORTAL_BULK_SLOT_TTL)


# Compare-and-renew / compare-and-delete: only the holder touches its key; a key lost with a Redis
# restart is taken back by its holder.
_RENEW = """
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('EXPIRE', KEYS[1], ARGV[2]) end
if not v then return redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) and 1 or 0 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def client() -> redis.Redis:
    return redis_client.client()


def _key(job_id: int, slot: int) -> str:
    return f"smsportal:bulk:slot:{job_id}:{slot}"


def offer(job_id: int, slot: int) -> str | None:
    """A new task id for the slot when nobody holds it, else None."""
    token = uuid.uuid4().hex
    if client().set(_key(job_id, slot), token, nx=True, ex=ttl()):
        return token
    return None


def take(job_id: int, slot: int, owner: str) -> bool:
    """Whether the task `owner` may run the slot: it was offered to it, or nobody holds it."""
    return bool(client().eval(_RENEW, 1, _key(job_id, slot), owner, ttl()))


def renew(job_id: int, slot: int, owner: str) -> bool:
    """Keep the slot; False when another task holds it now. Redis being away is not fatal."""
    try:
        return bool(client().eval(_RENEW, 1, _key(job_id, slot), owner, ttl()))
    except redis.RedisError as exc:
        log.warning("job %s slot %s: cannot renew in Redis: %s", job_id, slot, exc)
        return True


def release(job_id: int, slot: int, owner: str) -> None:
    try:
        client().eval(_RELEASE, 1, _key(job_id, slot), owner)
    except redis.RedisError as exc:
        log.warning("job %s slot %s: cannot release in Redis: %s", job_id, slot, exc)


def count(profile) -> int:
    """Sender tasks per job: the profile's simultaneous binds (each task holds one bind), less
    the one the receiver keeps when the senders cannot hear receipts themselves."""
    binds = max(1, int(profile.max_binds or 1))
    return binds - 1 if binds > 1 and needs_receiver_bind(profile) else binds


def needs_receiver_bind(profile) -> bool:
    """A transmitter profile that wants receipts hears them only on the receiver's bind
    (bind_receiver): with two binds or more allowed, the senders leave it one, so receipts keep
    arriving while a job runs. With one bind, sending comes first and the SMSC keeps the
    receipts until the job is done."""
    return (
        profile.protocol == SMPP
        and profile.bind_mode != BindMode.TRANSCEIVER
        and bool(profile.receives)
    )
