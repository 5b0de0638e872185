"""A job's send window in the recipient's local time: which time zones may receive now.

Messages carry their recipient's IANA zone (Message.time_zone, blank = the job's default zone);
the claim takes only messages whose zone is inside the window at this moment, so the others wait
(they are not failed). A window may wrap past midnight (20:00–08:00).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable


def is_open(start: datetime.time, end: datetime.time, local: datetime.time) -> bool:
    if start < end:
        return start <= local < end
    return local >= start or local < end  # wraps past midnight


def open_zones(job, zones: Iterable[str], now: datetime.datetime) -> list[str] | None:
    """The zones among `zones` (blank = the job's default) whose local time is inside the job's
    window now; None when the job has no window (everything may be sent)."""
    if not job.has_window:
        return None
    result = []
    for zone in zones:
        try:
            tz = zoneinfo.ZoneInfo(zone or job.window_time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        local = now.astimezone(tz).time().replace(tzinfo=None)
        if is_open(job.window_start, job.window_end, local):
            result.append(zone)
    return result
