"""URLs of the job control buttons, mounted under the admin (smsportal/urls.py):
POST /admin/sending/bulkjob/<id>/control/<action>/, name "bulk_control:action"."""

from __future__ import annotations

from django.contrib import admin
from django.urls import path

from . import views

app_name = "bulk_control"


urlpatterns = [
    path(
        "<int:job_id>/control/<str:action>/",
        admin.site.admin_view(views.job_action),
        name="action",
    ),
]
