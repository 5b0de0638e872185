"""Bind leases: a profile's "Maximum simultaneous binds" held across every worker on every host.

Whoever opens a connection to the provider (a sending worker, later a receiver) first takes a
lease; a profile has at most `max_binds` leases at once. Leases live in one Redis sorted set per
profile, `smsportal:binds:<profile_id>`, member = owner, score = expiry in server milliseconds;
Lua scripts drop expired members and check the count in one step, so two workers can never both
take the last slot. A lease expires unless renewed: a worker killed with SIGKILL frees its slot
after the TTL, without anyone cleaning up.

    lease = leases.acquire(profile.pk, profile.max_binds, ttl=30, owner=leases.default_owner())
    if lease is None: ...           # every bind is taken: try later
    with lease:                     # released on exit
        ...                         # call lease.renew() well within the TTL; False = lost

`max_binds` keeps the profile field's meaning: how many connections the provider allows, at
least 1 (the field's minimum; a 0 is read as 1, never as "unlimited").
"""

from __future__ import annotations

import os
import secrets
import socket
import time

import redis
from django.conf import settings

from smsportal import redis_client

KEY_PREFIX = "smsportal:binds"
POLL = 0.1  # seconds between attempts while waiting for a lease

_NOW_MS = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms)
"""
# Keep the set as long as its longest lease, no longer.
_KEEP = """
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if top[2] then redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(top[2]) - ms)) end
"""
# ARGV member, max, ttl ms -> 1 taken (or already held, then renewed), 0 all taken.
_ACQUIRE = (
    _NOW_MS
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
end
redis.call('ZADD', KEYS[1], ms + tonumber(ARGV[3]), ARGV[1])
"""
    + _KEEP
    + "return 1"
)
# ARGV member, ttl ms -> 1 renewed, 0 no longer held (expired, or Redis lost it).
_RENEW = (
    _NOW_MS
    + """
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ms + tonumber(ARGV[2]), ARGV[1])
"""
    + _KEEP
    + "return 1"
)
# -> {member, milliseconds left, ...} of the live leases.
_HOLDERS = (
    _NOW_MS
    + """
local out = {}
local found = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #found, 2 do
  out[#out + 1] = found[i]
  out[#out + 1] = tostring(tonumber(found[i + 1]) - ms)
end
return out
"""
)


def default_owner(purpose: str = "send") -> str:
    """This process as a lease owner: host:pid:purpose (purpose e.g. "send", "receive")."""
    return f"{socket.gethostname()}:{os.getpid()}:{purpose}"


def _key(profile_id) -> str:
    return f"{KEY_PREFIX}:{profile_id}"


def _run(client: redis.Redis | None, script: str, key: str, *args):
    client = client or redis_client.client()
    return client.eval(script, 1, key, *args)


class Lease:
    """One held bind slot. Not thread-safe by itself: renew from one thread at a time."""

    def __init__(self, profile_id, member: str, ttl: float, client: redis.Redis | None = None):
        self.profile_id = profile_id
        self.member = member
        self.ttl = ttl
        self.held = True
        self.renewed_at = time.monotonic()
        self._client = client

    @property
    def owner(self) -> str:
        return self.member.rsplit("#", 1)[0]

    def renew(self) -> bool:
        """Push the expiry a full TTL on; False when the lease was lost (it expired first, or
        Redis restarted): the caller must then stop using the bind or take a new lease."""
        if not self.held:
            return False
        renewed = _run(self._client, _RENEW, _key(self.profile_id), self.member, _ms(self.ttl))
        self.held = bool(renewed)
        if self.held:
            self.renewed_at = time.monotonic()
        return self.held

    def release(self) -> None:
        """Give the slot back at once (safe to call twice)."""
        if self.held:
            self.held = False
            (self._client or redis_client.client()).zrem(_key(self.profile_id), self.member)

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<Lease {self.profile_id} {self.member} held={self.held}>"


def acquire(
    profile_id,
    max_binds: int,
    ttl: float | None = None,
    owner: str | None = None,
    *,
    wait: float = 0.0,
    client: redis.Redis | None = None,
) -> Lease | None:
    """Take one of the profile's `max_binds` slots for `ttl` seconds, or None when all are held
    (after trying for up to `wait` seconds)."""
    ttl = float(settings.SMSPORTAL_BIND_LEASE_TTL if ttl is None else ttl)
    member = f"{owner or default_owner()}#{secrets.token_hex(4)}"
    deadline = time.monotonic() + wait
    while True:
        taken = _run(client, _ACQUIRE, _key(profile_id), member, max(1, int(max_binds)), _ms(ttl))
        if taken:
            return Lease(profile_id, member, ttl, client)
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(POLL, left))


def holders(profile_id, *, client: redis.Redis | None = None) -> dict[str, float]:
    """The live leases of a profile: owner#token -> seconds left."""
    found = _run(client, _HOLDERS, _key(profile_id))
    return {found[i].decode(): float(found[i + 1]) / 1000 for i in range(0, len(found), 2)}


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
