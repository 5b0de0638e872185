"""What a failed attempt means for its message: the one owner of the per-message rules.

A Test SMS, a `sendsms` and every message of a bulk job follow the same rules, whoever records
them (services.py one row at a time, sending.jobs.record in batches): a permanent error fails the
message; a transient one waits in the database (status retrying, next_attempt_at) for the sweeper,
following the profile's retry map, until the profile's retries are used up; a request that may
have reached the gateway without an answer (a Web URL timeout, an SMPP part in flight when the
link was lost) is "possibly sent", never resent silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from profiles import choices
from sending.models import Message
from sending.transports.base import TransportError

# Backoff for transient errors the profile's retry map does not name: 10 s, 20 s, 40 s … 10 min.
BACKOFF_BASE = 10
BACKOFF_CAP = 600
RETRY_DELAY_LIMIT = 7 * 24 * 3600  # a week: no hint, map or header waits longer

# The gateway itself is unreachable or refuses us, rather than this message being the problem:
# connecting failed (refused, DNS, network, TLS), the link was lost or timed out, the bind was
# refused. A bulk job whose recent attempts all fail this way pauses instead of burning retries.
GATEWAY_CODES = frozenset(
    {
        "refused",
        "timeout",
        "dns",
        "network",
        "tls",
        "connection",
        "connection_lost",
        "closed",
        "ESME_RBINDFAIL",
        "ESME_RINVPASWD",
        "ESME_RINVSYSID",
        "ESME_RINVSYSTYP",
        "ESME_RALYBND",
    }
)


@dataclass(frozen=True)
class Decision:
    status: str
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None
    possibly_duplicate: bool = False  # resent although the last attempt may have arrived


def retry_delay(profile, exc: TransportError, attempts: int) -> float:
    """Seconds before the next attempt: the error's own hint, then the profile's retry map,
    then exponential backoff."""
    if exc.retry_after is not None:
        delay = exc.retry_after
    elif (profile.retry_map or {}).get(exc.code) is not None:
        delay = profile.retry_map[exc.code]
    else:
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** min(max(0, attempts - 1), 32))
    try:
        return min(max(0.0, float(delay)), float(RETRY_DELAY_LIMIT))
    except (TypeError, ValueError, OverflowError):  # a value stored before it was checked
        return float(BACKOFF_CAP)


def is_gateway_error(exc: TransportError) -> bool:
    return exc.code in GATEWAY_CODES


def may_have_been_sent(exc: TransportError) -> bool:
    """The message was written and never answered (a Web URL request that timed out after it
    went, an SMPP part in flight when the link was lost): the gateway may have it."""
    return exc.possibly_sent


def resend_possibly_sent(profile) -> bool:
    """The profile's step-4 choice for messages that may have been sent: resend, or leave."""
    return profile is not None and profile.after_crash == choices.AfterCrash.RESEND


def after_error(
    profile, attempts: int, exc: TransportError, now: datetime, *, allow_retry: bool = True
) -> Decision:
    """The message's next state after attempt number `attempts` failed with `exc`."""
    retries_left = allow_retry and attempts <= profile.max_retries
    if may_have_been_sent(exc):
        if retries_left and resend_possibly_sent(profile):
            return Decision(Message.Status.RETRYING, next_attempt_at=now, possibly_duplicate=True)
        return Decision(Message.Status.POSSIBLY_SENT)
    if not exc.permanent and retries_left:
        delay = retry_delay(profile, exc, attempts)
        return Decision(Message.Status.RETRYING, next_attempt_at=now + timedelta(seconds=delay))
    return Decision(Message.Status.FAILED, finished_at=now)
