"""The admin's Test connection and Send test SMS pages (mounted by MessageAdmin.get_urls)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from profiles import choices
from profiles.models import SmsProfile
from sending import services, tasks
from sending.forms import SendTestForm
from sending.models import Message
from sending.transports import SMPP

ENCODINGS = {"gsm7": gettext_lazy("GSM 7-bit"), "ucs2": gettext_lazy("UCS-2")}
CHANGE_PROFILE = "profiles.change_smsprofile"


def _visible_profile(request, profile_id: int, permission: str) -> SmsProfile:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    profile = get_object_or_404(SmsProfile, pk=profile_id)
    if not profile.visible_to(request.user):
        raise Http404
    return profile


def _visible_message(request, message_id: int) -> Message:
    """The message, or 404 alike for a missing id and one the user may not see (no probing)."""
    user = request.user
    if not (user.has_perm(CHANGE_PROFILE) or user.has_perm("sending.view_message")):
        raise Http404
    message = get_object_or_404(Message.objects.select_related("profile"), pk=message_id)
    if message.profile is None or not message.profile.visible_to(user):
        raise Http404
    return message


def _context(model_admin, request, title: str, profile: SmsProfile, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": profile.name,
        "profile": profile,
        "profile_opts": SmsProfile._meta,
        "opts": Message._meta,
        **extra,
    }


def test_connection(model_admin, request, profile_id: int):
    """A GET offers the check; only a POST (CSRF-checked) binds with the stored credentials,
    for users who may send with the profile."""
    profile = _visible_profile(request, profile_id, CHANGE_PROFILE)
    report = services.check_connection(profile.pk) if request.method == "POST" else None
    failed = next((step for step in report.steps if not step.ok), None) if report else None
    context = _context(
        model_admin,
        request,
        _("Test connection"),
        profile,
        report=report,
        failed=failed,
        total_seconds=sum(step.seconds for step in report.steps) if report else 0,
        can_send_test=True,
    )
    return TemplateResponse(request, "sending/admin/test_connection.html", context)


def send_test(model_admin, request, profile_id: int):
    profile = _visible_profile(request, profile_id, CHANGE_PROFILE)
    form = SendTestForm(request.POST or None, profile=profile)
    if request.method == "POST" and form.is_valid():
        message = tasks.queue_test_message(
            profile,
            form.cleaned_data["to"],
            language=form.cleaned_data["language"],
            data=form.cleaned_data["data"],
            user=request.user,
        )
        return redirect("admin:sending_send_test_result", message.pk)
    context = _context(
        model_admin, request, _("Send test SMS"), profile, form=form, profile_text=profile.message
    )
    return TemplateResponse(request, "sending/admin/send_test.html", context)


def send_test_result(model_admin, request, message_id: int):
    message = _visible_message(request, message_id)
    context = _context(
        model_admin,
        request,
        _("Test SMS"),
        message.profile,
        message=message,
        state=message_state(message),
        status_url=reverse("admin:sending_send_test_status", args=[message.pk]),
    )
    return TemplateResponse(request, "sending/admin/send_test_result.html", context)


def send_test_status(model_admin, request, message_id: int):
    return JsonResponse(message_state(_visible_message(request, message_id)))


def _awaits_receipt(message: Message) -> bool:
    """Whether a receipt may still arrive while the Test SMS page is open."""
    profile = message.profile
    if message.status != Message.Status.SENT or profile is None or message.sent_at is None:
        return False
    listens = (
        profile.protocol == SMPP
        and profile.bind_mode == choices.BindMode.TRANSCEIVER
        and profile.delivery_receipts != choices.DeliveryReceipts.NONE
    )
    window = timedelta(seconds=services.test_receipt_wait() + 5)
    return listens and timezone.now() - message.sent_at < window


def message_state(message: Message) -> dict:
    """What the result page shows, as JSON (never anything secret)."""
    done = message.is_final or (
        message.status == Message.Status.SENT and not _awaits_receipt(message)
    )
    return {
        "status": message.status,
        "status_label": message.get_status_display(),
        "final": message.is_final,
        "polling": not done,
        "error": message.error_reason,
        "error_code": message.error_code,
        "attempts": message.attempts,
        "next_attempt_at": message.next_attempt_at.isoformat() if message.next_attempt_at else "",
        "encoding": message.encoding,
        "encoding_label": str(ENCODINGS.get(message.encoding, message.encoding or "—")),
        "parts_count": message.parts_count,
        "parts": [
            {
                "index": part.index,
                "provider_id": part.provider_id,
                "receipt": part.receipt_status,
                "receipt_error": part.receipt_error,
                "receipt_at": part.receipt_at.isoformat() if part.receipt_at else "",
                "delivered": part.delivered,
            }
            for part in message.parts.all()
        ],
    }
