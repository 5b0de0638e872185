"""A profile's throughput cap (message parts per second), shared by every worker on every host.

One Redis counter per profile per second, `smsportal:tps:<profile_id>:<epoch second>`, as
high-volume gateways keep it (nyaruka/courier): a Lua script adds the parts asked for only if
the second's count stays within the cap, and otherwise says how long to wait. The second is the
Redis server's clock (`TIME`), so hosts with skewed clocks still share one count.

Within a second the script also paces: by the fraction f of the second gone, at most
cap × (f + burst) parts are granted, so a cap of 500 sends about 50 parts every 100 ms instead
of 500 in the first few milliseconds (SMSCs that count over a sliding window see the same cap).
By the end of the second (less its guard, below) the whole cap is available: pacing never
lowers the rate.

A worker takes parts in chunks (about 5 % of the cap per round trip) and hands them out
locally; the chunk is valid only until its second ends at the server, so the count per second
holds exactly. Nothing is granted in a second's last GUARD: a part granted then could reach the
gateway in the next second, on top of that second's own (a Web URL request seen 4 parts over a
cap of 60 at the gateway, from requests granted in the last milliseconds).

Redis that cannot be reached stops sending (a wait of a second, logged) rather than sending
uncapped; acquire() gives up with a transient TransportError after 30 s of that.

    limiter = Limiter(profile.pk, profile.throughput)   # or Limiter.for_profile(profile)
    limiter.acquire(parts)          # blocks until granted; returns the seconds waited
    wait = limiter.try_acquire(1)   # 0.0 when granted, else seconds until it may be

A cap of 0 means unlimited: no Redis call at all.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from django.utils.translation import gettext as _

from smsportal import redis_client

from ..transports.base import TransportError

log = logging.getLogger(__name__)

KEY_PREFIX = "smsportal:tps"
KEY_TTL = 5  # seconds a per-second counter outlives its second
BURST = 0.02  # fraction of the cap available at the very start of a second (2 %, as the window)
CHUNK = 0.05  # fraction of the cap taken per round trip and handed out locally
GUARD = 0.02  # seconds at the end of each second in which nothing is granted
OUTAGE_WAIT = 1.0  # seconds to wait when Redis cannot be reached
OUTAGE_GIVE_UP = 30.0  # acquire() fails (transient) after Redis was unreachable this long

# KEYS[1] the profile's prefix; ARGV cap, want (take up to), need (at least), burst (0..1), the
# counter's TTL, the guard (microseconds). Returns {granted, microseconds until the grant's
# second ends or until `need` may be granted, the second the grant belongs to}.
_SCRIPT = """
local now = redis.call('TIME')
local second, micros = tonumber(now[1]), tonumber(now[2])
local cap, want, need = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local burst = tonumber(ARGV[4])
local usable = 1000000 - tonumber(ARGV[6])  -- the second less its guard: the cap is paced in it
if micros >= usable then
  return {0, 1000000 - micros, second}
end
local key = KEYS[1] .. ':' .. second
local used = tonumber(redis.call('GET', key) or '0')
local allowed = cap
if burst < 1 then
  allowed = math.min(cap, math.floor(cap * (micros / usable + burst)))
end
local free = allowed - used
local least = need
if allowed < cap then
  -- while pacing, grant whole chunks only (fewer round trips); the second's tail goes to anyone
  least = math.max(need, want)
end
if free >= least then
  local grant = math.min(want, free)
  redis.call('INCRBY', key, grant)
  redis.call('EXPIRE', key, ARGV[5])
  return {grant, 1000000 - micros, second}
end
if burst < 1 and used + need <= cap then
  -- wake when a whole chunk is paced in, not every part: round trips stay few at high caps
  local target = math.min(used + math.max(need, want), cap)
  local at = math.ceil((target / cap - burst) * usable)
  return {0, math.max(at - micros, 100), second}
end
return {0, 1000000 - micros, second}
"""


class Limiter:
    """The shared cap of one profile, for one process; thread-safe (Web URL sends from a pool)."""

    def __init__(
        self,
        profile_id,
        parts_per_second: int,
        *,
        client: redis.Redis | None = None,
        chunk: int | None = None,
        burst: float = BURST,
    ):
        self.cap = max(0, int(parts_per_second or 0))
        self.key = f"{KEY_PREFIX}:{profile_id}"
        self.chunk = max(1, int(self.cap * CHUNK)) if chunk is None else max(1, int(chunk))
        self.burst = float(burst)
        self.round_trips = 0  # Redis calls made (for the benchmark and the tests)
        self._client = client
        self._script = None
        self._lock = threading.Lock()
        self._tokens = 0  # parts granted and not yet handed out
        self._second = None  # the server second they belong to
        self._expires = 0.0  # monotonic time by which that second has surely ended
        self._outage = False

    @classmethod
    def for_profile(cls, profile, **options) -> Limiter | None:
        """The profile's limiter, or None when its cap is 0 (unlimited)."""
        if not profile.throughput:
            return None
        return cls(profile.pk, profile.throughput, **options)

    def try_acquire(self, parts: int = 1) -> float:
        """Take `parts` (all or nothing): 0.0 when granted, else the seconds to wait first.

        `parts` may not exceed the cap; acquire() spreads a bigger count over several seconds.
        """
        if not self.cap:
            return 0.0
        if parts > self.cap:
            raise ValueError(f"{parts} parts exceed the cap of {self.cap} per second")
        with self._lock:
            for _attempt in range(2):
                now = time.monotonic()
                if self._tokens and now >= self._expires:
                    self._tokens = 0  # their second is over: they count for no other
                if self._tokens >= parts:
                    self._tokens -= parts
                    return 0.0
                wait = self._fetch(parts, now)
                if wait:
                    return wait
            return 0.0 if self._take(parts) else 0.001

    def acquire(self, parts: int = 1) -> float:
        """Block until `parts` are granted; return the seconds spent waiting.

        A message with more parts than the cap takes the whole cap of as many seconds as it
        needs before it goes (the gateway then gets it at once: that much is unavoidable).
        Raises a transient TransportError (nothing sent) when Redis stays unreachable.
        """
        waited, outage, left = 0.0, 0.0, parts
        while left > 0 and self.cap:
            step = min(left, self.cap)
            while wait := self.try_acquire(step):
                outage = outage + wait if self._outage else 0.0
                if outage > OUTAGE_GIVE_UP:
                    raise TransportError(
                        _("The throughput cap cannot be checked: Redis is unreachable."),
                        permanent=False,
                        code="throttle_unavailable",
                    )
                time.sleep(wait)
                waited += wait
            left -= step
        return waited

    def _take(self, parts: int) -> bool:
        if self._tokens >= parts:
            self._tokens -= parts
            return True
        return False

    def _fetch(self, parts: int, now: float) -> float:
        """One round trip for at least the missing parts; 0.0 when they are now held locally."""
        need = parts - self._tokens
        try:
            granted, micros, second = self._call(max(need, self.chunk), need)
        except redis.RedisError as exc:
            if not self._outage:
                log.warning("throughput cap of %s: Redis unavailable (%s); waiting", self.key, exc)
                self._outage = True
            return OUTAGE_WAIT
        if self._outage:
            log.info("throughput cap of %s: Redis reachable again", self.key)
            self._outage = False
        if not granted:
            return micros / 1e6
        if second != self._second:
            self._tokens = 0  # left from an earlier second at the server
        self._second = second
        self._tokens += granted
        # `now` was taken before the call, so this deadline falls before the server's second ends
        # (less the guard, in which no part is handed out).
        self._expires = now + micros / 1e6 - GUARD
        return 0.0

    def _call(self, want: int, need: int) -> tuple[int, int, int]:
        if self._script is None:
            self._script = (self._client or redis_client.client()).register_script(_SCRIPT)
        self.round_trips += 1
        granted, micros, second = self._script(
            keys=[self.key], args=[self.cap, want, need, self.burst, KEY_TTL, int(GUARD * 1e6)]
        )
        return int(granted), int(micros), int(second)
