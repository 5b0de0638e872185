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
from django.utils.translation import gettext_lazy
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


# A state change: (control function, said when done, said when the job's state did not allow it).
_SWITCHES = {
    "pause": (
        control.pause,
        gettext_lazy("The job is paused."),
        gettext_lazy("Only a running or scheduled job can be paused."),
    ),
    "resume": (
        control.resume,
        gettext_lazy("The job runs again."),
        gettext_lazy("Only a paused job can be resumed."),
    ),
    "cancel": (
        control.cancel,
        gettext_lazy("The job is cancelled; what was sent stays recorded."),
        gettext_lazy("This job can no longer be cancelled."),
    ),
}
# Messages queued again: (control function of the job id and the request, said with the count).
_REQUEUES = {
    "retry-failed": (
        lambda pk, request: control.retry_failed(
            pk, error_code=request.POST.get("error_code") or None
        ),
        gettext_lazy("%(count)s failed messages queued again."),
    ),
    "resend-possibly-sent": (
        lambda pk, request: control.resend_possibly_sent(pk),
        gettext_lazy("%(count)s possibly sent messages queued again; they may arrive twice."),
    ),
}


@require_POST
def job_action(request: HttpRequest, job_id: int, action: str):
    job = get_object_or_404(BulkJob.objects.select_related("profile"), pk=job_id)
    if not request.user.has_perm("sending.change_bulkjob") or not job.profile.visible_to(
        request.user
    ):
        raise PermissionDenied
    if action in _SWITCHES:
        switch, done, refused = _SWITCHES[action]
        ok = switch(job.pk)
        return _done(request, job, str(done if ok else refused), ok)
    if action in _REQUEUES:
        requeue, done = _REQUEUES[action]
        count = requeue(job.pk, request)
        return _done(request, job, done % {"count": count}, bool(count), count=count)
    if action == "clone":
        if not request.user.has_perm("sending.add_bulkjob"):
            raise PermissionDenied
        copy = control.clone(job.pk, user=request.user)
        return _done(request, copy, _("A copy of the job is ready to start."), True, copy=copy.pk)
    raise PermissionDenied
