"""Demo data for `make run`: an admin user, the Meta Data list and a profile for the sandbox."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

ADMIN_USERNAME = "admin"
DEMO_PROFILE_NAME = "Sandbox SMSC (demo)"
# A small recipient file for Add bulk job (or `manage.py sendbulk`), with a few bad rows (an
# invalid number, a duplicate, a missing first name, an unknown language) to show the report.
DEMO_RECIPIENTS = Path(__file__).resolve().parent / "demo_recipients.csv"


def ensure_admin() -> tuple[str, str]:
    """Create or update the admin superuser; return (username, password).

    The password is SMSPORTAL_ADMIN_PASSWORD when set (scripts), else a new random one that the
    caller prints once.
    """
    password = os.environ.get("SMSPORTAL_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
    user, _created = get_user_model().objects.get_or_create(
        username=ADMIN_USERNAME,
        defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True},
    )
    user.is_staff = user.is_superuser = user.is_active = True
    user.set_password(password)
    user.save()
    return ADMIN_USERNAME, password


def ensure_demo_profile(owner=None):
    """A complete, global, applied profile pointing at the local SMPP sandbox."""
    from profiles.models import SmsProfile, SmsSettings

    profile = SmsProfile.objects.filter(name__iexact=DEMO_PROFILE_NAME).first()
    if profile is None:
        profile = SmsProfile(
            name=DEMO_PROFILE_NAME,
            owner=owner,
            is_global=True,
            bind_mode="transceiver",
            host=settings.SMSC_SANDBOX_HOST,
            port=settings.SMSC_SANDBOX_PORT,
            username=settings.SMSC_SANDBOX_SYSTEM_ID,
            sender="ACME",
            message_en="Hello {{ customer.first_name }}, your invoice {{ invoice.number }} "
            "of {{ invoice.amount }} is due on {{ invoice.due_date }}.",
            message_fr="Bonjour {{ customer.first_name }}, votre facture {{ invoice.number }} "
            "de {{ invoice.amount }} est due le {{ invoice.due_date }}.",
            message_de="Hallo {{ customer.first_name }}, Ihre Rechnung {{ invoice.number }} "
            "über {{ invoice.amount }} ist am {{ invoice.due_date }} fällig.",
            multilingual=True,
            saved_steps=0b1111,
        )
        profile.password = settings.SMSC_SANDBOX_PASSWORD
        profile.save()
    sms_settings = SmsSettings.load()
    if sms_settings.applied_profile is None:
        sms_settings.apply(profile, owner)
    return profile


def seed() -> tuple[str, str]:
    """Everything `make run` needs; returns the admin credentials."""
    username, password = ensure_admin()
    admin = get_user_model().objects.get(username=username)
    try:
        from profiles.demo_data import seed_data_objects
    except ImportError:  # the Meta Data registry's demo set ships with the message work
        pass
    else:
        seed_data_objects()
    ensure_demo_profile(owner=admin)
    return username, password
