"""Fixtures for the profile UI tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin_client_root(client, superuser):
    client.force_login(superuser)
    return client
