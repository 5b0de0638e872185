"""The job page's chart, drawn on the server as SVG: parts sent per second over the job's life,
delivered per second as a second series, and the profile's throughput cap as a line.

The series comes from JobSecond (a few rows per second of the job, never the messages). A long job
is summed into at most MAX_POINTS buckets in SQL; a bucket's value is its mean per second.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from django.db.models import F, Max, Min, Sum
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.translation import gettext as _

from sending.jobs.watch import format_duration
from sending.models import BulkJob, JobSecond

MAX_POINTS = 360
WIDTH, HEIGHT = 760, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 30, 30
PARTS_COLOUR = "#417690"  # the admin's header blue
DELIVERED_COLOUR = "#2e7d32"
CAP_COLOUR = "#ba2121"  # the admin's error red


@dataclass
class Chart:
    start: int = 0  # Unix second of the first point
    bucket: int = 1  # seconds per point
    parts: list[float] = field(default_factory=list)
    delivered: list[float] = field(default_factory=list)
    cap: int = 0

    @property
    def span(self) -> int:
        return len(self.parts) * self.bucket

    @property
    def top(self) -> float:
        """The value at the top of the plot: a round number above the data and the cap."""
        highest = max([*self.parts, *self.delivered, self.cap, 0])
        return _round_up(highest * 1.1) if highest else 10

    def x(self, index: int) -> float:
        inner = WIDTH - LEFT - RIGHT
        if len(self.parts) <= 1:
            return LEFT + inner / 2
        return LEFT + inner * index / (len(self.parts) - 1)

    def y(self, value: float) -> float:
        inner = HEIGHT - TOP - BOTTOM
        return TOP + inner * (1 - value / self.top)

    def svg(self) -> str:
        title = _("Parts sent per second")
        body = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'width="100%" role="img" aria-label="{escape(title)}" class="bulk-chart">',
            f"<title>{escape(title)}</title>",
            *self._axes(),
        ]
        if self.parts:
            body.append(self._line(self.delivered, DELIVERED_COLOUR, "delivered", dash="5 3"))
            body.append(self._line(self.parts, PARTS_COLOUR, "parts"))
        else:
            body.append(
                f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" '
                f'class="bulk-chart-empty" style="fill: var(--body-quiet-color, #666)">'
                f"{escape(_('No parts sent yet.'))}</text>"
            )
        if self.cap:
            y = self.y(self.cap)
            label = _("cap %(cap)s/s") % {"cap": self.cap}
            body.append(
                f'<line class="bulk-chart-cap" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                f'y2="{y:.1f}" stroke="{CAP_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
                f'<text x="{WIDTH - RIGHT - 4}" y="{y - 5:.1f}" text-anchor="end" '
                f'fill="{CAP_COLOUR}" font-size="12">{escape(label)}</text>'
            )
        body.append(self._legend())
        body.append("</svg>")
        return "".join(body)

    def _line(self, values: list[float], colour: str, name: str, dash: str = "") -> str:
        points = " ".join(f"{self.x(i):.1f},{self.y(v):.1f}" for i, v in enumerate(values))
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        marker = ""
        if len(values) == 1:  # one point is no line: mark it
            cx, cy = self.x(0), self.y(values[0])
            marker = f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{colour}"/>'
        return (
            f'<polyline class="bulk-chart-{name}" points="{points}" fill="none" '
            f'stroke="{colour}" stroke-width="2" stroke-linejoin="round"{dashed}/>{marker}'
        )

    def _axes(self) -> list[str]:
        text = 'font-size="11" style="fill: var(--body-quiet-color, #666)"'
        grid = 'stroke="var(--hairline-color, #ddd)" stroke-width="1"'
        out = []
        for fraction in (0, 0.25, 0.5, 0.75, 1):
            value = self.top * fraction
            y = self.y(value)
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" {grid}/>')
            out.append(
                f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" {text}>'
                f"{_number(value)}</text>"
            )
        bottom = HEIGHT - BOTTOM + 16
        out.append(f'<text x="{LEFT}" y="{bottom}" {text}>0:00</text>')
        if self.parts:
            end = format_duration(self.span)
            out.append(
                f'<text x="{WIDTH - RIGHT}" y="{bottom}" text-anchor="end" {text}>{end}</text>'
            )
        if self.bucket > 1:
            note = _("each point: mean of %(seconds)s s") % {"seconds": self.bucket}
            out.append(
                f'<text x="{WIDTH / 2:.0f}" y="{bottom}" text-anchor="middle" {text}>'
                f"{escape(note)}</text>"
            )
        return out

    def _legend(self) -> str:
        items = [(PARTS_COLOUR, _("parts sent/s"), ""), (DELIVERED_COLOUR, _("delivered/s"), "5 3")]
        if self.cap:
            items.append((CAP_COLOUR, _("throughput cap"), "6 4"))
        out, x = [], LEFT
        for colour, label, dash in items:
            dashed = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(
                f'<line x1="{x}" x2="{x + 22}" y1="14" y2="14" stroke="{colour}" '
                f'stroke-width="2"{dashed}/><text x="{x + 28}" y="18" font-size="12" '
                f'style="fill: var(--body-fg, #333)">{escape(label)}</text>'
            )
            x += 40 + 7 * len(label)
        return "".join(out)


def build(job: BulkJob, now: float | None = None) -> Chart:
    """The chart of a job's life so far: from its first counted second to its last one (to now
    while it runs, so a stall shows as a drop to zero)."""
    cap = job.profile.throughput if job.profile_id else 0
    seconds = JobSecond.objects.filter(job=job)
    bounds = seconds.aggregate(first=Min("second"), last=Max("second"))
    if bounds["first"] is None:
        return Chart(cap=cap)
    start, last = bounds["first"], bounds["last"]
    if job.status == BulkJob.Status.RUNNING:
        last = max(last, int(now if now is not None else time.time()) - 1)
    span = last - start + 1
    bucket = math.ceil(span / MAX_POINTS)
    count = math.ceil(span / bucket)
    parts, delivered = [0.0] * count, [0.0] * count
    rows = (
        seconds.filter(second__lte=last)
        .annotate(bucket=(F("second") - start) / bucket)
        .order_by()
        .values("bucket")
        .annotate(parts=Sum("parts_sent"), delivered=Sum("delivered"))
    )
    for row in rows:
        index = int(row["bucket"])
        length = min(bucket, span - index * bucket)  # the last bucket may be short
        parts[index] = row["parts"] / length
        delivered[index] = row["delivered"] / length
    return Chart(start=start, bucket=bucket, parts=parts, delivered=delivered, cap=cap)


def _round_up(value: float) -> float:
    """The next 1, 2, 2.5 or 5 times a power of ten at or above value."""
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    places = 0 if value >= 10 or value == 0 else 1
    return number_format(value, places, force_grouping=True)
