"""When a job may send: its start (now or later) and its optional send window, in the recipient's
local time. The checks here refuse what could never run; the engine applies the window."""

from __future__ import annotations

import datetime
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sending.models import BulkJob

# A start a little in the past is "now" typed a moment ago, not a time that has passed.
PAST_TOLERANCE = datetime.timedelta(minutes=1)


def check_zone(name: str) -> str:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationError(
            _("“%(zone)s” is not a time zone; use a name such as Europe/Berlin.") % {"zone": name},
            code="invalid_zone",
        ) from None
    return name


def check_window(start: datetime.time | None, end: datetime.time | None) -> None:
    if (start is None) != (end is None):
        raise ValidationError(
            _("Give both the opening and the closing time of the send window, or neither."),
            code="window_incomplete",
        )
    if start is not None and start == end:
        raise ValidationError(
            _("The send window opens and closes at %(time)s: it would never be open.")
            % {"time": start.strftime("%H:%M")},
            code="window_never_open",
        )


def check_start(when: datetime.datetime | None, now: datetime.datetime | None = None):
    now = now or timezone.now()
    if when is None:
        return now
    if timezone.is_naive(when):
        raise ValidationError(_("Give the scheduled time with its time zone."), code="naive")
    if when < now - PAST_TOLERANCE:
        raise ValidationError(
            _("The scheduled time %(when)s has already passed.")
            % {"when": timezone.localtime(when).strftime("%Y-%m-%d %H:%M")},
            code="in_the_past",
        )
    return max(when, now)


def schedule(
    job: BulkJob,
    *,
    when: datetime.datetime | None = None,
    window_start: datetime.time | None = None,
    window_end: datetime.time | None = None,
    zone: str | None = None,
) -> BulkJob:
    """Schedule a ready job (when=None: now); ValidationError names what is wrong."""
    if job.status != BulkJob.Status.READY:
        raise ValidationError(
            _("Only an imported job that has not started can be scheduled (it is %(status)s).")
            % {"status": job.get_status_display()},
            code="not_ready",
        )
    if not job.rows_imported:
        raise ValidationError(_("The job has no message to send."), code="empty")
    check_window(window_start, window_end)
    zone = check_zone(zone or job.window_time_zone)
    start = check_start(when)
    updated = BulkJob.objects.filter(pk=job.pk, status=BulkJob.Status.READY).update(
        status=BulkJob.Status.SCHEDULED,
        scheduled_at=start,
        window_start=window_start,
        window_end=window_end,
        window_time_zone=zone,
    )
    if not updated:
        raise ValidationError(_("The job was changed meanwhile; reload the page."), code="race")
    job.refresh_from_db()
    return job
