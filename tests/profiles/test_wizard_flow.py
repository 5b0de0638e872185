"""The four-step wizard: saving step by step, drafts, deep links to any step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.models import SmsProfile

from .wizard_helpers import run_id, wizard_path

pytestmark = pytest.mark.django_db


def test_it_walks_all_four_steps_saving_each(admin_client_root, superuser):
    client = admin_client_root
    response = client.get(reverse("admin:profiles_smsprofile_wizard_new", args=["create"]))
    assert response.status_code == 200
    run = run_id(response)
    response = client.post(
        reverse("admin:profiles_smsprofile_wizard_new", args=["create"]),
        {
            "create-name": "  Marketing EU  ",
            f"profile_new_{run}-current_step": "create",
            "wizard_run": run,
            "_continue": "1",
        },
    )
    profile = SmsProfile.objects.get()
    assert profile.name == "Marketing EU"
    assert profile.owner == superuser
    assert profile.state_label == "Draft at step 2"
    assert response.status_code == 302
    assert response.url.startswith(wizard_path(profile, "server"))
