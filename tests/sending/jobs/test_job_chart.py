"""The job page's SVG chart: one point per second (JobSecond rows, zero where a second has
none), the cap as a line at its height, buckets for a long job, and an empty job."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from sending.jobs import chart
from sending.models import BulkJob
from tests.sending.jobs.watch_helpers import add_seconds, make_job

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"
T0 = 1_800_000_000


def _points(svg: str, name: str) -> list[tuple[float, float]]:
    root = ElementTree.fromstring(svg)
    line = root.find(f"{SVG}polyline[@class='bulk-chart-{name}']")
    return [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]


def _finished(profile, **fields):
    return make_job(profile, {"sent": 1}, status=BulkJob.Status.FINISHED, **fields)


def test_it_draws_one_point_per_second_from_the_job_seconds(make_profile):
    job = _finished(make_profile(throughput=100))
    add_seconds(job, {T0: 80, T0 + 1: 100, T0 + 3: 40}, delivered={T0 + 2: 30, T0 + 3: 70})
    drawing = chart.build(job)
    assert (drawing.start, drawing.bucket) == (T0, 1)
    assert drawing.parts == [80, 100, 0, 40]  # the second without a row is a zero
    assert drawing.delivered == [0, 0, 30, 70]
    svg = drawing.svg()
    points = _points(svg, "parts")
    assert [y for _x, y in points] == [round(drawing.y(v), 1) for v in (80, 100, 0, 40)]
    xs = [x for x, _y in points]
    assert xs == sorted(xs) and len(set(xs)) == 4
    assert [y for _x, y in _points(svg, "delivered")] == [
        round(drawing.y(v), 1) for v in (0, 0, 30, 70)
    ]


def test_it_draws_the_cap_at_its_height(make_profile):
    job = _finished(make_profile(throughput=500))
    add_seconds(job, {T0: 250, T0 + 1: 500})
    drawing = chart.build(job)
    root = ElementTree.fromstring(drawing.svg())
    cap = root.find(f"{SVG}line[@class='bulk-chart-cap']")
    assert float(cap.get("y1")) == float(cap.get("y2")) == round(drawing.y(500), 1)
    top_point = min(y for _x, y in _points(drawing.svg(), "parts"))
    assert top_point == round(drawing.y(500), 1)  # a second at the cap touches the line
    assert drawing.y(500) > drawing.y(drawing.top)  # the cap is inside the plot, not on its edge
    assert "cap 500/s" in drawing.svg()


def test_it_draws_no_cap_line_for_an_unlimited_profile(make_profile):
    job = _finished(make_profile(throughput=0))
    add_seconds(job, {T0: 10})
    assert "bulk-chart-cap" not in chart.build(job).svg()


def test_it_sums_a_long_job_into_buckets_of_mean_parts_per_second(make_profile):
    job = _finished(make_profile(throughput=0))
    seconds = chart.MAX_POINTS * 3 + 1  # three seconds a point, the last bucket one second
    add_seconds(job, {T0 + s: 30 if s % 3 == 0 else 0 for s in range(seconds)})
    drawing = chart.build(job)
    assert drawing.bucket == 4
    assert len(drawing.parts) == len(_points(drawing.svg(), "parts")) <= chart.MAX_POINTS
    assert drawing.parts[0] == (30 + 30) / 4  # seconds 0..3 hold 30 at 0 and at 3
    assert "mean of 4 s" in drawing.svg()


def test_it_extends_a_running_job_to_now_so_a_stall_shows(make_profile):
    job = make_job(make_profile(throughput=0), {"queued": 1})
    add_seconds(job, {T0: 10})
    assert chart.build(job, now=T0 + 5).parts == [10, 0, 0, 0, 0]


def test_it_says_so_when_nothing_was_sent(make_profile):
    job = make_job(make_profile(throughput=300), {"queued": 5})
    drawing = chart.build(job)
    svg = drawing.svg()
    ElementTree.fromstring(svg)  # well-formed
    assert drawing.parts == [] and "No parts sent yet." in svg
    assert "bulk-chart-parts" not in svg
    assert re.search(r'class="bulk-chart-cap"', svg)  # the cap the job will run at
