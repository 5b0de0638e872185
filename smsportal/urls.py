from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from sending.views import receipt_callback

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    # Bulk job control buttons (pause, resume, cancel, retry failed, clone), inside the admin.
    path("admin/sending/bulkjob/", include("sending.jobs.urls")),
    path("admin/", admin.site.urls),
    path(
        "receipts/<int:profile_id>/<str:token>/<str:reference>/",
        receipt_callback,
        name="receipt_callback",
    ),
]
