"""The demo's recipient file imports against the demo profile with the report it is meant to
show: the mapping guessed from its headers and a few bad rows."""

from __future__ import annotations

import pytest
from django.core.files import File

from profiles.demo_data import seed_data_objects
from sending.jobs import create, importer
from smsportal import demo

pytestmark = pytest.mark.django_db


def test_it_imports_the_demo_file_with_a_guessed_mapping():
    seed_data_objects()
    profile = demo.ensure_demo_profile()
    with demo.DEMO_RECIPIENTS.open("rb") as handle:
        job = create.create_job(profile=profile, name="Demo", upload=File(handle, name="demo.csv"))
    assert job.mapping == {
        "Mobile number": "phone",
        "First name": "data:customer.first_name",
        "Language": "language",
        "Invoice number": "data:invoice.number",
        "Invoice amount": "data:invoice.amount",
        "Due date": "data:invoice.due_date",
    }
    assert create.confirm_mapping(job, job.mapping) == []
    job = importer.run_import(job.pk)

    assert (job.rows_imported, job.rows_rejected, job.rows_duplicate) == (8, 3, 1)
    louis = job.messages.get(to="+33612345605")
    assert louis.text.startswith("Bonjour Louis, votre facture INV-2026-0105")
