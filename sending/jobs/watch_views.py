"""The job page (mounted by BulkJobAdmin.get_urls): live progress polled from progress.json,
the chart, grouped errors, the last messages, the engine's buttons and the export."""

from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sending.jobs import chart, export, watch
from sending.jobs.admin_views import visible_jobs
from sending.models import BulkJob, Message

J = BulkJob.Status
# Jobs that started or will: their page is this one (admin_views.STEP_URLS sends them here).
WATCHED = frozenset({J.SCHEDULED, J.RUNNING, J.PAUSED, J.CANCELLED, J.FINISHED})
# The engine's POST views (sending.jobs.views, URL "bulk_control:action"): action, label, the job
# states it applies to, the permission it needs. Shown only when the URL exists.
ACTIONS = (
    ("pause", gettext_lazy("Pause"), {J.RUNNING, J.SCHEDULED}, "change"),
    ("resume", gettext_lazy("Resume"), {J.PAUSED}, "change"),
    ("cancel", gettext_lazy("Cancel the job"), {J.RUNNING, J.PAUSED, J.SCHEDULED}, "change"),
    ("retry-failed", gettext_lazy("Retry failed"), set(WATCHED), "change"),
    ("resend-possibly-sent", gettext_lazy("Resend possibly sent"), set(WATCHED), "change"),
    ("clone", gettext_lazy("Clone"), set(J), "add"),
)
# An action that needs messages in a state: shown only when the job has some.
NEEDS_STATE = {"retry-failed": Message.Status.FAILED, "resend-possibly-sent": "possibly_sent"}
# Shown even at zero: where the job stands at a glance.
ALWAYS_SHOWN = [Message.Status.QUEUED, Message.Status.SENT, Message.Status.FAILED]
POLL_MS = 1000
POLL_MS_MAX = 10_000


class ExportForm(forms.Form):
    state = forms.MultipleChoiceField(
        label=gettext_lazy("States"), choices=Message.Status.choices, required=False
    )


def _job(request, job_id: int) -> BulkJob:
    if not request.user.has_perm("sending.view_bulkjob"):
        raise PermissionDenied
    return get_object_or_404(visible_jobs(request.user), pk=job_id)


def job_page(model_admin, request, job_id: int):
    job = _job(request, job_id)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Bulk job"),
        "subtitle": job.name,
        "opts": BulkJob._meta,
        "job": job,
        "progress_url": reverse("admin:sending_bulkjob_progress", args=[job.pk]),
        "export_form": ExportForm(),
        **_live(request, job),
    }
    return TemplateResponse(request, "sending/admin/bulk/watch.html", context)


def progress_json(model_admin, request, job_id: int):
    started = time.monotonic()
    job = _job(request, job_id)
    live = _live(request, job)
    # A huge job's counts take a while: the page polls less often rather than pile up.
    elapsed_ms = (time.monotonic() - started) * 1000
    return JsonResponse(
        {
            **live["progress"],
            "live_html": live["live_html"],
            "actions_html": live["actions_html"],
            "facts_html": live["facts_html"],
            "next_poll_ms": int(min(POLL_MS_MAX, max(POLL_MS, 5 * elapsed_ms))),
        }
    )


def export_csv(model_admin, request, job_id: int):
    job, states = _export_request(request, job_id)
    if states is None:
        return redirect("admin:sending_bulkjob_watch", job.pk)
    response = StreamingHttpResponse(
        export.csv_lines(job, states), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-messages.csv"'
    return response


def export_xlsx(model_admin, request, job_id: int):
    job, states = _export_request(request, job_id)
    if states is None:
        return redirect("admin:sending_bulkjob_watch", job.pk)
    return FileResponse(
        export.xlsx_file(job, states),
        as_attachment=True,
        filename=f"job-{job.pk}-messages.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _export_request(request, job_id: int):
    job = _job(request, job_id)
    form = ExportForm(request.GET)
    if not form.is_valid():
        messages.error(request, _("Choose states from the list to export."))
        return job, None
    return job, form.cleaned_data["state"]


def _live(request, job: BulkJob) -> dict:
    counts = watch.state_counts(job)
    progress = watch.progress(job, counts=counts)
    context = {
        "job": job,
        "progress": progress,
        "chart_svg": chart.build(job).svg(),
        "errors": watch.grouped_errors(job),
        "last": watch.last_messages(job, counts),
        "actions": _actions(request, job, counts),
        "page_url": reverse("admin:sending_bulkjob_watch", args=[job.pk]),
        "retry_url": _retry_url(request, job),
        "always_shown": ALWAYS_SHOWN,
    }
    return {
        "progress": progress,
        "live_html": render_to_string("sending/admin/bulk/_watch_live.html", context, request),
        "actions_html": render_to_string(
            "sending/admin/bulk/_watch_actions.html", context, request
        ),
        # The start time appears once the dispatcher starts the job, while the page is open.
        "facts_html": render_to_string("sending/admin/bulk/_watch_facts.html", context, request),
    }


def _actions(request, job: BulkJob, counts: dict) -> list[dict]:
    shown = []
    for name, label, states, permission in ACTIONS:
        needed = NEEDS_STATE.get(name)
        if job.status not in states or (needed and not counts.get(needed)):
            continue
        if not request.user.has_perm(f"sending.{permission}_bulkjob"):
            continue
        url = action_url(job, name)
        if url:
            shown.append({"name": name, "label": label, "url": url})
    return shown


def _retry_url(request, job: BulkJob) -> str:
    """Retry failed by error code (a button per row of the errors table)."""
    if not request.user.has_perm("sending.change_bulkjob"):
        return ""
    return action_url(job, "retry-failed")


def action_url(job: BulkJob, name: str) -> str:
    try:
        return reverse("bulk_control:action", kwargs={"job_id": job.pk, "action": name})
    except NoReverseMatch:  # the engine's views are not installed
        return ""
