"""Fixtures of the bulk job tests: a job made from file content, imported synchronously."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from sending.jobs import create, importer


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def bulk_profile(make_profile):
    """A multilingual profile without placeholders."""
    return make_profile(
        message="Your parcel is ready.", message_fr="Colis prêt.", multilingual=True, is_global=True
    )


@pytest.fixture
def named_profile(make_profile):
    """A multilingual profile greeting the recipient by customer.first_name."""
    return make_profile(
        message="Hello {{ customer.first_name }}",
        message_fr="Bonjour {{ customer.first_name }}",
        multilingual=True,
        is_global=True,
    )


@pytest.fixture
def new_job(bulk_profile):
    """new_job(content, name="list.csv", **fields) -> a DRAFT job (FileProblem if unreadable)."""

    def build(content, name="list.csv", profile=None, **fields):
        data = content.encode("utf-8") if isinstance(content, str) else content
        fields.setdefault("name", "Test job")
        if name == "pasted":
            return create.create_job(profile=profile or bulk_profile, pasted=content, **fields)
        upload = ContentFile(data, name=name)
        return create.create_job(profile=profile or bulk_profile, upload=upload, **fields)

    return build


@pytest.fixture
def imported(new_job):
    """imported(content, mapping=None, **fields) -> the job after a synchronous import."""

    def build(content, name="list.csv", mapping=None, batch_size=importer.BATCH_SIZE, **fields):
        job = new_job(content, name=name, **fields)
        assert create.confirm_mapping(job, mapping or job.mapping) == []
        return importer.run_import(job.pk, batch_size=batch_size)

    return build


def issues(job) -> list[tuple[int, str, str]]:
    return list(job.issues.order_by("row", "pk").values_list("row", "column", "code"))


def recipients(job) -> list[tuple[int, str]]:
    return list(job.messages.order_by("row").values_list("row", "to"))
