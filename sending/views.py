"""Endpoints gateways call (not the admin): the Web URL receipt callback."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from sending import web_receipts


@csrf_exempt
@require_http_methods(["GET", "POST"])
def receipt_callback(request, profile_id: int, token: str, reference: str):
    params = request.POST if request.method == "POST" else request.GET
    try:
        result = web_receipts.handle(profile_id, token, reference, params)
    except web_receipts.Forbidden:
        return _unlogged(HttpResponseForbidden("Forbidden", content_type="text/plain"))
    except web_receipts.BadCallback as exc:
        return _unlogged(HttpResponseBadRequest(str(exc), content_type="text/plain"))
    return HttpResponse(result.body, content_type="text/plain")


def _unlogged(response):
    # Django logs every 4xx with its path, and the path holds the profile's secret token.
    response._has_been_logged = True
    return response
