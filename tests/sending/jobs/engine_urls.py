"""A URLconf with stand-ins for the engine's POST views (pause, resume, cancel, retry, clone) in
the admin namespace: the job page shows a button only for a view that exists."""

from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

from smsportal import urls as project_urls


def _stand_in(request, job_id):
    return HttpResponse(f"{request.method} {job_id}")


_names = ("pause", "resume", "cancel", "retry", "clone")
_engine = [
    path(f"sending/bulkjob/<int:job_id>/{name}/", _stand_in, name=f"sending_bulkjob_{name}")
    for name in _names
]
urls, _app, _namespace = admin.site.urls
urlpatterns = [
    path("admin/", include((_engine + urls, "admin"), namespace="admin")),
    *(pattern for pattern in project_urls.urlpatterns if "admin" not in str(pattern.pattern)),
]
