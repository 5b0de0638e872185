"""The Meta Data registry: admin, demo data, and length estimates from sample values."""

from __future__ import annotations

import pytest
from django.urls import reverse

from profiles.demo_data import DATA_OBJECTS, seed_data_objects
from profiles.message import preview
from profiles.models import DataObject


@pytest.mark.django_db
def test_it_seeds_the_demo_data_objects_idempotently():
    assert seed_data_objects() == len(DATA_OBJECTS)
    DataObject.objects.filter(key="invoice.amount").update(sample_value="changed")
    assert seed_data_objects() == 0
    assert DataObject.objects.count() == len(DATA_OBJECTS)
    amount = DataObject.objects.get(key="invoice.amount")
    assert (amount.format, amount.currency, amount.sample_value) == ("money", "EUR", "€1,249.90")
    for obj in DataObject.objects.all():
        obj.full_clean()  # keys, formats and currencies pass the model's own validation
    keys = set(DataObject.objects.values_list("key", flat=True))
    assert {"customer.language", "invoice.due_date", "document.sender_number"} <= keys
    assert {"appointment.date", "appointment.time", "invoice.number"} <= keys


def test_it_lists_and_searches_data_objects_in_the_admin(admin_client_root):
    seed_data_objects()
    url = reverse("admin:profiles_dataobject_changelist")
    html = admin_client_root.get(url, {"q": "invoice"}).content.decode()
    assert "invoice.amount" in html and "{{ invoice.amount }}" in html
    assert "customer.first_name" not in html


def test_it_requires_a_currency_for_money_only(admin_client_root):
    url = reverse("admin:profiles_dataobject_add")
    base = {"key": "invoice.total", "label": "Total", "sample_value": "€5", "description": ""}
    response = admin_client_root.post(url, {**base, "format": "money", "currency": ""})
    assert "three-letter" in response.context["adminform"].form.errors["currency"][0]
    response = admin_client_root.post(url, {**base, "format": "text", "currency": "EUR"})
    assert "Only money" in response.context["adminform"].form.errors["currency"][0]
    response = admin_client_root.post(url, {**base, "format": "money", "currency": "eur"})
    assert response.status_code == 302
    assert DataObject.objects.get(key="invoice.total").currency == "EUR"


def test_it_rejects_keys_that_are_not_dotted_names(admin_client_root):
    url = reverse("admin:profiles_dataobject_add")
    data = {"label": "x", "format": "text", "currency": "", "sample_value": "", "description": ""}
    for key in ("__class__", "customer", "Customer.Name", "customer.__dict__"):
        response = admin_client_root.post(url, {**data, "key": key})
        assert response.status_code == 200, key
    assert not DataObject.objects.exists()


class _Profile:
    data_coding = "gsm7"
    long_message_method = "udh"
    max_parts = 2


@pytest.mark.django_db
def test_it_estimates_with_sample_and_longest_plausible_values():
    seed_data_objects()
    objects = DataObject.objects.all()
    estimate = preview.estimate("Hi {{ customer.first_name }}, {{ otp.code }}", objects, _Profile())
    assert estimate.sample.parts == ["Hi Amélie, 493817"]
    # first names stretch to 30 characters, codes to 12, keeping the sample's own characters
    assert estimate.longest.characters == len("Hi , ") + 30 + 12
    assert "Amélieeeee" in estimate.longest.parts[0]
    assert not estimate.too_long


@pytest.mark.django_db
def test_it_uses_a_longer_fallback_and_keeps_a_non_gsm_sample_in_ucs2():
    DataObject.objects.create(key="customer.city", label="City", sample_value="Zürich")
    DataObject.objects.create(key="customer.nick", label="Nick", sample_value="Łukasz")
    objects = DataObject.objects.all()
    text = 'Hi {{ customer.city | default:"' + "x" * 40 + '" }}'
    assert preview.estimate(text, objects, _Profile()).longest.characters == 43
    nick = preview.estimate("{{ customer.nick }}", objects, _Profile())
    assert nick.sample.encoding == nick.longest.encoding == "ucs2"


def test_it_describes_a_split_like_the_live_counter():
    from profiles.message.segments import segment

    assert preview.describe(segment("a" * 134)) == "134 characters · GSM 7-bit · 1 part"
    assert preview.describe(segment("ب" * 71)) == "71 characters · UCS-2 · 2 parts"
    assert preview.describe(segment("")) == "0 characters · GSM 7-bit · 0 parts"
