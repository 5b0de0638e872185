"""A stored password goes only where it was typed for: moving a profile drops it, and only the
owner or a superuser may move a profile or change its Global Configuration."""

from __future__ import annotations

import socket
import threading

import pytest
from django.urls import reverse

from profiles.models import SmsProfile, SmsSettings
from tests.peers.smpp_sink import free_port

from .wizard_helpers import SMPP_SERVER, advanced_defaults, post_step

pytestmark = pytest.mark.django_db

PASSWORD = "Bound-Pw7"


class Listener:
    """A TCP server on 127.0.0.1 that records every byte an SMPP client sends it (one PDU per
    connection, then it hangs up), as an attacker's machine would."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.received = b""
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                conn.settimeout(3)
                try:
                    head = conn.recv(4)
                    data = head
                    length = int.from_bytes(head, "big") if len(head) == 4 else 0
                    while len(data) < length:
                        chunk = conn.recv(length - len(data))
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                self.received += data

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


def _test_connection(client, profile):
    return client.post(reverse("admin:sending_test_connection", args=[profile.pk]))


def _global_profile(make_profile, owner, **fields):
    return make_profile(
        name="Shared SMSC",
        is_global=True,
        owner=owner,
        port=free_port(),  # nothing listens there
        password=PASSWORD,
        bind_timeout=2,
        **fields,
    )


def test_it_refuses_a_new_host_from_an_editor_who_does_not_own_the_profile(
    client, staff_editor, superuser, make_profile, listener
):
    profile = _global_profile(make_profile, superuser)
    client.force_login(staff_editor)
    attack = SMPP_SERVER | {"host": "127.0.0.1", "port": str(listener.port), "password": ""}
    response = post_step(client, profile, "server", attack)

    assert response.status_code == 200
    assert "Only the owner of the profile or a superuser can change this." in response.text
    profile.refresh_from_db()
    assert profile.port != listener.port and profile.password == PASSWORD
    _test_connection(client, profile)
    assert listener.connections == 0 and PASSWORD.encode() not in listener.received


def test_it_lets_an_editor_change_the_rest_of_a_global_profile(
    client, staff_editor, superuser, make_profile
):
    profile = _global_profile(make_profile, superuser)
    client.force_login(staff_editor)
    page = client.get(reverse("admin:profiles_smsprofile_wizard", args=[profile.pk, "server"]))
    assert 'name="server-host"' in page.text and "disabled" in page.text
    # What a browser posts: disabled fields (host, port, Global Configuration) are left out.
    kept = {k: v for k, v in SMPP_SERVER.items() if k not in ("host", "port", "protocol")}
    response = post_step(client, profile, "server", kept | {"username": "renamed"})

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.username == "renamed" and profile.is_global
    assert profile.password == PASSWORD


def test_it_drops_the_password_when_the_owner_moves_the_profile_without_typing_it(
    client, staff_editor, make_profile, listener
):
    profile = _global_profile(make_profile, staff_editor)
    client.force_login(staff_editor)
    moved = SMPP_SERVER | {"host": "127.0.0.1", "port": str(listener.port), "password": ""}
    response = post_step(client, profile, "server", moved | {"is_global": "on"})
    page = client.get(response.url).text

    assert "the stored password was removed" in page
    profile.refresh_from_db()
    assert profile.port == listener.port and not profile.has_password
    _test_connection(client, profile)
    assert listener.connections == 1 and b"acme" in listener.received
    assert PASSWORD.encode() not in listener.received


def test_it_keeps_a_password_typed_again_with_the_new_host(
    client, staff_editor, make_profile, listener
):
    profile = _global_profile(make_profile, staff_editor)
    client.force_login(staff_editor)
    moved = SMPP_SERVER | {"host": "127.0.0.1", "port": str(listener.port)}
    post_step(client, profile, "server", moved | {"password": "NewPw-1", "is_global": "on"})

    profile.refresh_from_db()
    assert profile.password == "NewPw-1"
    _test_connection(client, profile)
    assert b"NewPw-1" in listener.received


def _advanced(client, profile, **changes):
    from profiles.forms import AdvancedStepForm

    data = advanced_defaults(AdvancedStepForm(instance=profile, prefix="advanced")) | changes
    return post_step(client, profile, "advanced", {k: v for k, v in data.items() if v is not None})


def test_turning_tls_off_drops_the_password_and_turning_it_on_keeps_it(
    client, staff_editor, make_profile
):
    profile = _global_profile(make_profile, staff_editor)
    client.force_login(staff_editor)
    _advanced(client, profile, use_tls="on")
    profile.refresh_from_db()
    assert profile.use_tls and profile.password == PASSWORD

    response = _advanced(client, profile, use_tls=None)
    profile.refresh_from_db()
    assert not profile.use_tls and not profile.has_password
    assert "the stored password was removed" in client.get(response.url).text


def test_an_editor_cannot_turn_tls_off_on_a_profile_they_do_not_own(
    client, staff_editor, superuser, make_profile
):
    profile = _global_profile(make_profile, superuser, use_tls=True)
    client.force_login(staff_editor)
    _advanced(client, profile, use_tls=None, window_size="20")

    profile.refresh_from_db()
    assert profile.use_tls and profile.password == PASSWORD and profile.window_size == 20


def test_moving_a_web_url_profile_drops_password_and_secret_headers(
    client, superuser, make_profile
):
    profile = make_profile(
        protocol="web_url", url="http://gw.example.com/send?pw={password}", password=PASSWORD
    )
    profile.set_headers([{"name": "X-Api-Key", "value": "key-123", "secret": True}])
    profile.save()
    client.force_login(superuser)
    web = SMPP_SERVER | {"protocol": "web_url", "host": "", "port": "", "password": ""}

    post_step(client, profile, "server", web | {"url": "http://gw.example.com/v2?pw={password}"})
    profile.refresh_from_db()
    assert profile.password == PASSWORD  # same scheme, host and port: the secrets stay

    response = post_step(
        client, profile, "server", web | {"url": "http://evil.example/?p={password}"}
    )
    profile.refresh_from_db()
    assert not profile.has_password
    assert profile.header_items() == [("X-Api-Key", "")]
    assert "secret headers X-Api-Key were removed" in client.get(response.url).text


def test_an_editor_cannot_make_a_global_profile_private(
    client, staff_editor, superuser, make_profile
):
    profile = _global_profile(make_profile, superuser)
    client.force_login(staff_editor)
    kept = {k: v for k, v in SMPP_SERVER.items() if k not in ("host", "port", "protocol")}
    response = post_step(client, profile, "server", kept)  # no is_global: an unticked box
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_global


def test_the_applied_profile_cannot_be_made_private(client, staff_editor, make_profile):
    profile = _global_profile(make_profile, staff_editor, host="127.0.0.1")
    SmsSettings.load().apply(profile, staff_editor)
    client.force_login(staff_editor)
    data = SMPP_SERVER | {"host": "127.0.0.1", "port": str(profile.port)}
    response = post_step(client, profile, "server", data)

    assert response.status_code == 200
    assert "applied site-wide, so it must stay a Global Configuration profile" in response.text
    assert SmsProfile.objects.get(pk=profile.pk).is_global
