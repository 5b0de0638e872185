"""The "Add bulk job" pages (mounted by BulkJobAdmin.get_urls): recipients, column mapping,
import progress, report (issues, preview, totals, seed test) and start."""

from __future__ import annotations

import csv
import itertools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from profiles.models.profile import visibility
from sending import tasks
from sending.jobs import create, schedule, totals
from sending.jobs.forms import MappingForm, NewJobForm, SeedForm, StartForm
from sending.jobs.reader import FileProblem
from sending.models import BulkJob

ISSUES_SHOWN = 50
DELIMITERS = {
    ",": gettext_lazy("comma"),
    ";": gettext_lazy("semicolon"),
    "\t": gettext_lazy("tab"),
    "|": gettext_lazy("vertical bar"),
}
STEP_URLS = {
    BulkJob.Status.DRAFT: "admin:sending_bulkjob_mapping",
    BulkJob.Status.IMPORTING: "admin:sending_bulkjob_import",
    BulkJob.Status.READY: "admin:sending_bulkjob_report",
    BulkJob.Status.IMPORT_FAILED: "admin:sending_bulkjob_report",
    # Started or about to: the job page (sending.jobs.watch_views).
    BulkJob.Status.SCHEDULED: "admin:sending_bulkjob_watch",
    BulkJob.Status.RUNNING: "admin:sending_bulkjob_watch",
    BulkJob.Status.PAUSED: "admin:sending_bulkjob_watch",
    BulkJob.Status.CANCELLED: "admin:sending_bulkjob_watch",
    BulkJob.Status.FINISHED: "admin:sending_bulkjob_watch",
}


def visible_jobs(user):
    jobs = BulkJob.objects.select_related("profile", "created_by")
    return jobs.filter(visibility(user, via="profile__"))


def _job(request, job_id: int, permission: str = "sending.add_bulkjob") -> BulkJob:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(visible_jobs(request.user), pk=job_id)


def _context(model_admin, request, title: str, job: BulkJob | None = None, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": job.name if job else None,
        "opts": BulkJob._meta,
        "job": job,
        **extra,
    }


def step_url(job: BulkJob) -> str | None:
    name = STEP_URLS.get(job.status)
    return reverse(name, args=[job.pk]) if name else None


def new_job(model_admin, request):
    if not request.user.has_perm("sending.add_bulkjob"):
        raise PermissionDenied
    form = NewJobForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = create.create_job(
                profile=data["profile"],
                name=data["name"],
                user=request.user,
                upload=data["file"],
                pasted=data["pasted"],
                default_country=data["default_country"],
                keep_duplicates=data["keep_duplicates"],
            )
        except FileProblem as exc:
            form.add_error("file" if data["file"] else "pasted", str(exc))
        else:
            return redirect("admin:sending_bulkjob_mapping", job.pk)
    context = _context(model_admin, request, _("Add bulk job"), form=form, step=1)
    return TemplateResponse(request, "sending/admin/bulk/new.html", context)


def mapping(model_admin, request, job_id: int):
    job = _job(request, job_id)
    if job.status not in (BulkJob.Status.DRAFT, BulkJob.Status.IMPORT_FAILED):
        return redirect(step_url(job) or reverse("admin:sending_bulkjob_change", args=[job.pk]))
    try:
        header, rows = create.sample_rows(job)
    except (FileProblem, OSError) as exc:
        messages.error(request, str(exc))
        return redirect("admin:sending_bulkjob_add")
    form = MappingForm(
        request.POST or None, header=header, profile=job.profile, initial_mapping=job.mapping
    )
    if request.method == "POST" and form.is_valid():
        problems = create.confirm_mapping(job, form.cleaned_data["mapping"])
        if not problems:
            tasks.import_job.delay_on_commit(job.pk)
            return redirect("admin:sending_bulkjob_import", job.pk)
        form.add_error(None, problems)
    context = _context(
        model_admin,
        request,
        _("Map the columns"),
        job,
        form=form,
        rows=rows,
        delimiter_label=DELIMITERS.get(job.delimiter, ""),
        step=2,
    )
    return TemplateResponse(request, "sending/admin/bulk/mapping.html", context)


def import_progress(model_admin, request, job_id: int):
    job = _job(request, job_id, "sending.view_bulkjob")
    if job.status != BulkJob.Status.IMPORTING:
        return redirect(step_url(job) or reverse("admin:sending_bulkjob_change", args=[job.pk]))
    context = _context(
        model_admin,
        request,
        _("Importing"),
        job,
        state=import_state(job),
        status_url=reverse("admin:sending_bulkjob_import_status", args=[job.pk]),
        step=3,
    )
    return TemplateResponse(request, "sending/admin/bulk/importing.html", context)


def import_status(model_admin, request, job_id: int):
    return JsonResponse(import_state(_job(request, job_id, "sending.view_bulkjob")))


def import_state(job: BulkJob) -> dict:
    done = job.status != BulkJob.Status.IMPORTING
    total = job.rows_total or 0
    percent = 100 if done else (min(99, int(100 * job.rows_read / total)) if total else 0)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": done,
        "rows_read": job.rows_read,
        "rows_total": job.rows_total,
        "rows_imported": job.rows_imported,
        "rows_rejected": job.rows_rejected + job.rows_suppressed + job.rows_duplicate,
        "percent": percent,
        "next_url": step_url(job) if done else "",
        "error": job.import_error,
    }


def report(model_admin, request, job_id: int):
    job = _job(request, job_id, "sending.view_bulkjob")
    if job.status in (BulkJob.Status.DRAFT, BulkJob.Status.IMPORTING):
        return redirect(step_url(job))
    form = StartForm(initial={"time_zone": job.window_time_zone})
    return _report(model_admin, request, job, form)


def _report(model_admin, request, job: BulkJob, start_form: StartForm):
    summary = job.totals or {}
    context = _context(
        model_admin,
        request,
        _("Import report"),
        job,
        summary=summary,
        recipients=totals.recipients(summary),
        issues=job.issues.all()[:ISSUES_SHOWN],
        issue_count=job.issues.count(),
        preview=totals.preview(job),
        seed_form=SeedForm(),
        start_form=start_form,
        can_start=job.status == BulkJob.Status.READY and job.rows_imported > 0,
        step=4,
    )
    return TemplateResponse(request, "sending/admin/bulk/report.html", context)


class _Echo:
    def write(self, value):
        return value


def issues_csv(model_admin, request, job_id: int):
    job = _job(request, job_id, "sending.view_bulkjob")
    writer = csv.writer(_Echo())
    header = [_("row"), _("column"), _("problem"), _("reason"), _("value")]
    fields = ("row", "column", "code", "message", "value")
    issues = job.issues.order_by("row", "pk").values_list(*fields).iterator(chunk_size=2000)
    lines = (writer.writerow(row) for row in itertools.chain([header], issues))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="job-{job.pk}-row-errors.csv"'
    return response


def send_seed(model_admin, request, job_id: int):
    job = _job(request, job_id)
    form = SeedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = create.send_seed(job, form.cleaned_data["numbers"], user=request.user)
        messages.success(
            request,
            _("A test of the job's message is on its way to %(numbers)s.")
            % {"numbers": ", ".join(message.to for message in sent)},
        )
    else:
        for error in form.errors.get("numbers", []):
            messages.error(request, error)
    return redirect("admin:sending_bulkjob_report", job.pk)


def start(model_admin, request, job_id: int):
    job = _job(request, job_id)
    form = StartForm(request.POST or None, initial={"time_zone": job.window_time_zone})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            schedule.schedule(
                job,
                when=data["start_at"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                zone=data["time_zone"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if data["start_at"] is None:
                messages.success(request, _("The job starts now."))
            else:
                messages.success(
                    request, _("The job is scheduled; it starts at the time you chose.")
                )
            return redirect("admin:sending_bulkjob_change", job.pk)
    if request.method != "POST":
        return redirect("admin:sending_bulkjob_report", job.pk)
    return _report(model_admin, request, job, form)
