"""The job control buttons: small POST views (CSRF-protected, inside the admin's login) over the
plain functions in control.py. A user needs the change permission on bulk jobs and must be
allowed to use the job's profile."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sending.models import BulkJob

from . import control


def _done(request: HttpRequest, job: BulkJob, text: str, ok: bool, **extra):
    if request.headers.get("Accept", "").startswith("application/json"):
        job.refresh_from_db()
        return JsonResponse({"ok": ok, "message": text, "status": job.status, **extra})
    (messages.success if ok else messages.warning)(request, text)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        try:
            target = reverse("admin:sending_bulkjob_change", args=[job.pk])
        except NoReverseMatch:
            target = reverse("admin:index")
    return HttpResponseRedirect(target)


@require_POST
def job_action(request: HttpRequest, job_id: int, action: str):
    job = get_object_or_404(BulkJob.objects.select_related("profile"), pk=job_id)
    if not request.user.has_perm("sending.change_bulkjob") or not job.profile.visible_to(
        request.user
    ):
        raise PermissionDenied
    if action == "pause":
        ok = control.pause(job.pk)
        return _done(
            request,
            job,
            _("The job is paused.") if ok else _("Only a running or scheduled job can be paused."),
            ok,
        )
    if action == "resume":
        ok = control.resume(job.pk)
        return _done(
            request,
            job,
            _("The job runs again.") if ok else _("Only a paused job can be resumed."),
            ok,
        )
    if action == "cancel":
        ok = control.cancel(job.pk)
        return _done(
            request,
            job,
            _("The job is cancelled; what was sent stays recorded.")
            if ok
            else _("This job can no longer be cancelled."),
            ok,
        )
    if action == "retry-failed":
        code = request.POST.get("error_code") or None
        count = control.retry_failed(job.pk, error_code=code)
        return _done(
            request,
            job,
            _("%(count)s failed messages queued again.") % {"count": count},
            bool(count),
            count=count,
        )
    if action == "resend-possibly-sent":
        count = control.resend_possibly_sent(job.pk)
        return _done(
            request,
            job,
            _("%(count)s possibly sent messages queued again; they may arrive twice.")
            % {"count": count},
            bool(count),
            count=count,
        )
    if action == "clone":
        if not request.user.has_perm("sending.add_bulkjob"):
            raise PermissionDenied
        copy = control.clone(job.pk, user=request.user)
        return _done(request, copy, _("A copy of the job is ready to start."), True, copy=copy.pk)
    raise PermissionDenied
