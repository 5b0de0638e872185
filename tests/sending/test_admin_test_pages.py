"""The admin's Test connection and Send test SMS pages, through the Django test client."""

from __future__ import annotations

import socket

import pytest
from django.urls import reverse

from sending.models import Message

pytestmark = pytest.mark.django_db


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


def test_it_shows_each_step_of_a_working_connection(client, superuser, web_url_profile, gateway):
    client.force_login(superuser)
    profile = web_url_profile(gateway)
    response = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Connection OK" in page and 'class="step-ok"' in page
    assert 'class="step-failed"' not in page
    assert "s3cret" not in page


def test_it_says_clearly_when_the_connection_is_refused(client, superuser, make_profile):
    client.force_login(superuser)
    profile = make_profile(protocol="web_url", url=f"http://127.0.0.1:{_refused_port()}/send")
    response = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))

    page = response.content.decode()
    assert "Test connection failed" in page
    assert "connection refused" in page


def test_it_hides_other_users_private_profiles(client, staff_editor, web_url_profile, gateway):
    client.force_login(staff_editor)
    private = web_url_profile(gateway, is_global=False)
    for name in ("admin:sending_test_connection", "admin:sending_send_test"):
        assert client.get(reverse(name, args=[private.pk])).status_code == 404


def test_it_lets_only_editors_send_a_test(client, staff_viewer, web_url_profile, gateway):
    client.force_login(staff_viewer)
    profile = web_url_profile(gateway, is_global=True)
    assert client.get(reverse("admin:sending_send_test", args=[profile.pk])).status_code == 403


def test_it_prefills_the_sample_data_the_message_uses(client, superuser, web_url_profile, gateway):
    from profiles.models import DataObject

    DataObject.objects.create(key="customer.first_name", label="First name", sample_value="Ada")
    DataObject.objects.create(key="invoice.amount", label="Amount", sample_value="12.50")
    client.force_login(superuser)
    profile = web_url_profile(gateway, message="Hi {{ customer.first_name }}")
    response = client.get(reverse("admin:sending_send_test", args=[profile.pk]))

    assert response.context["form"]["data"].initial == "customer.first_name=Ada"


def test_it_rejects_a_number_that_is_not_e164(client, superuser, web_url_profile, gateway):
    client.force_login(superuser)
    profile = web_url_profile(gateway)
    url = reverse("admin:sending_send_test", args=[profile.pk])
    response = client.post(url, {"to": "0612", "language": "en", "data": ""})

    assert "international format" in response.content.decode()
    assert not Message.objects.exists()


def test_it_queues_a_test_sms_and_shows_its_progress(
    client, superuser, web_url_profile, gateway, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    profile = web_url_profile(gateway, message="Hi {{ customer.first_name }}")
    url = reverse("admin:sending_send_test", args=[profile.pk])
    form = {"to": "+33 6 12 34 56 78", "language": "en", "data": "customer.first_name=Ada"}
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, form)

    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:sending_send_test_result", args=[message.pk])
    assert (message.to, message.text, message.status) == ("+33612345678", "Hi Ada", "queued")
    assert len(callbacks) == 1  # the task is enqueued once the transaction commits

    page = client.get(response["Location"]).content.decode()
    assert "Hi Ada" in page and 'data-polling="1"' in page

    from sending import services

    services.send_message(message.pk)  # what the worker does
    status_url = reverse("admin:sending_send_test_status", args=[message.pk])
    state = client.get(status_url).json()
    assert state["status"] == "sent" and state["polling"] is False
    assert [part["provider_id"] for part in state["parts"]] == ["3e9"]
    assert "s3cret" not in str(state)


@pytest.mark.peer
def test_it_shows_the_smpp_bind_enquire_link_and_unbind(
    client, superuser, start_smsc, smpp_profile
):
    client.force_login(superuser)
    profile = smpp_profile(start_smsc("netsmpp"), bind_mode="transceiver")
    page = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))
    page = page.content.decode()

    assert "Connection OK" in page
    assert page.count('class="step-ok"') == 3
    for step in ("Bind", "enquire_link", "Unbind", "NetSMPP"):
        assert step in page


@pytest.mark.peer
def test_it_names_a_wrong_smpp_password(client, superuser, start_smsc, smpp_profile):
    client.force_login(superuser)
    profile = smpp_profile(start_smsc("netsmpp"), bind_mode="transceiver", password="wrong-one")
    page = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))
    page = page.content.decode()

    assert "Test connection failed" in page and "ESME_RINVPASWD" in page
    assert "wrong-one" not in page


def test_it_says_clearly_when_the_smsc_does_not_answer(client, superuser, make_profile):
    client.force_login(superuser)
    with socket.socket() as silent:  # accepts TCP connections (backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        profile = make_profile(protocol="smpp", port=silent.getsockname()[1], bind_timeout=1)
        response = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))

    page = response.content.decode()
    assert "Test connection failed" in page
    assert "timed out" in page.lower() or "timeout" in page.lower()


def test_it_names_a_tls_error(client, superuser, web_url_profile, gateway):
    client.force_login(superuser)
    url = gateway.url.replace("http://", "https://")
    profile = web_url_profile(gateway)
    profile.url = url
    profile.save()
    response = client.post(reverse("admin:sending_test_connection", args=[profile.pk]))

    page = response.content.decode()
    assert "Test connection failed" in page and "TLS" in page


def test_it_shows_why_a_test_sms_could_not_be_built(client, superuser, web_url_profile, gateway):
    client.force_login(superuser)
    profile = web_url_profile(gateway, message="Hi {{ customer.first_name }}")
    url = reverse("admin:sending_send_test", args=[profile.pk])
    response = client.post(url, {"to": "+33612345678", "language": "en", "data": ""}, follow=True)

    page = response.content.decode()
    assert "No value for customer.first_name and no fallback." in page
    assert 'data-polling="0"' in page
    assert gateway.requests == []
