import pytest
from django.db import connection

from profiles import crypto
from profiles.models import SmsProfile

pytestmark = pytest.mark.django_db


def test_it_stores_the_password_encrypted(make_profile):
    profile = make_profile(password="hunter2-secret")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT password_encrypted FROM profiles_smsprofile WHERE id = %s", [profile.pk]
        )
        (raw,) = cursor.fetchone()
    assert "hunter2-secret" not in raw
    assert SmsProfile.objects.get(pk=profile.pk).password == "hunter2-secret"


def test_it_decrypts_with_a_rotated_key_list(settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SMSPORTAL_SECRETS_KEYS = [old]
    token = crypto.encrypt("pw")
    settings.SMSPORTAL_SECRETS_KEYS = [new, old]
    assert crypto.decrypt(token) == "pw"
    settings.SMSPORTAL_SECRETS_KEYS = [new]
    with pytest.raises(crypto.SecretUnreadable):
        crypto.decrypt(token)
