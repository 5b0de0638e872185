"""Celery wiring, as in Celery's own Django example."""

from __future__ import annotations

import os

from celery import Celery

from . import broker  # noqa: F401  (registers the broker transport, see broker.py)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smsportal.settings")

app = Celery("smsportal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
