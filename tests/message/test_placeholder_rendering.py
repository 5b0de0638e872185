"""The strict renderer: every placeholder form, fallbacks, errors with positions, injections."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from profiles.choices import MissingDataPolicy
from profiles.message.placeholders import (
    MissingValue,
    RenderError,
    SkipRecipient,
    keys_used,
    parse,
    render,
    render_result,
    validate,
)

KNOWN = {"customer.first_name", "customer.last_name", "invoice.amount", "invoice.due_date"}
DATA = {"customer.first_name": "Ada", "customer.last_name": "Lovelace", "invoice.amount": "€12.50"}


@pytest.mark.parametrize(
    "template",
    [
        "Hi {{ customer.first_name }}!",
        "Hi {{customer.first_name}}!",
        "Hi {{   customer.first_name\t}}!",
        'Hi {{ customer.first_name | default:"there" }}!',
        'Hi {{customer.first_name|default:"there"}}!',
        "Hi {{ customer.first_name | default:'there' }}!",
    ],
)
def test_it_renders_every_placeholder_form(template):
    assert render(template, DATA) == "Hi Ada!"
    assert validate(template, KNOWN) == []


def test_it_renders_several_placeholders_and_keeps_the_text_around_them():
    template = "{{ customer.first_name }} {{ customer.last_name }}, pay {{ invoice.amount }}."
    assert render(template, DATA) == "Ada Lovelace, pay €12.50."
    assert keys_used(template + "{{ customer.first_name }}") == [
        "customer.first_name",
        "customer.last_name",
        "invoice.amount",
    ]


def test_it_uses_the_fallback_when_a_value_is_missing_or_blank():
    template = 'Hi {{ customer.first_name | default:"there" }}!'
    assert render(template, {}) == "Hi there!"
    assert render(template, {"customer.first_name": None}) == "Hi there!"
    assert render(template, {"customer.first_name": "  "}) == "Hi there!"
    result = render_result(template, {})
    assert result.ok and result.fallbacks == ["customer.first_name"]


def test_it_reads_escaped_quotes_and_braces_in_a_fallback():
    template = r'{{ customer.first_name | default:"dear \"friend\" }}" }}'
    assert render(template, {}) == 'dear "friend" }}'
    assert render('{{ customer.first_name | default:"" }}x', {}) == "x"


def test_it_fails_a_missing_value_without_fallback_under_the_fail_policy():
    with pytest.raises(MissingValue, match="customer.last_name"):
        render("Hi {{ customer.last_name }}", {}, MissingDataPolicy.FAIL)
    result = render_result("Hi {{ customer.last_name }}", {}, MissingDataPolicy.FAIL)
    assert result.status == "fail" and result.missing == ["customer.last_name"]


def test_it_sends_an_empty_value_under_the_fallback_policy():
    assert render("Hi {{ customer.last_name }}!", {}, MissingDataPolicy.FALLBACK) == "Hi !"


def test_it_skips_the_recipient_under_the_skip_policy():
    with pytest.raises(SkipRecipient, match="customer.last_name"):
        render("Hi {{ customer.last_name }}", {}, MissingDataPolicy.SKIP)
    assert issubclass(SkipRecipient, ValueError)  # senders catch ValueError


def test_it_prefers_the_placeholders_own_fallback_over_the_policy():
    template = '{{ customer.last_name | default:"Customer" }}'
    assert render(template, {}, MissingDataPolicy.SKIP) == "Customer"
    assert render(template, {}, MissingDataPolicy.FAIL) == "Customer"


@pytest.mark.parametrize(
    ("template", "code", "column"),
    [
        ("Hi {{ customer.nickname }}", "unknown_key", 4),
        ("Hi {{ customer.first_name", "unclosed", 4),
        ('Hi {{ customer.first_name | default:"}}"', "unclosed", 4),
        ("Hi {{ customer.first_name | default:there }}", "bad_fallback", 37),
        ('Hi {{ customer.first_name | default:"there }}', "bad_fallback", 37),
        ("Hi {{ customer.first_name | default }}", "bad_fallback", 36),
        ('Hi {{ customer.first_name | upper:"x" }}', "unknown_filter", 29),
        ("Hi {{ customer.first_name | }}", "unknown_filter", 29),
        ("Hi {{ {{ customer.first_name }} }}", "nested", 7),
        ("Hi {{ {customer.first_name} }}", "nested", 7),
        ("Hi {{ }}", "empty", 7),
        ("Hi customer.first_name }}", "stray_close", 24),
        ("Hi {% if x %}", "tag", 4),
        ("Hi {# note #}", "tag", 4),
        ("Hi {{ Customer.First_Name }}", "invalid_key", 7),
        ("Hi {{ first_name }}", "invalid_key", 7),
        ("Hi {{ customer.first_name x }}", "invalid_key", 27),
    ],
)
def test_it_names_each_error_and_its_position(template, code, column):
    errors = validate(template, KNOWN)
    assert [(e.code, e.line, e.column) for e in errors][:1] == [(code, 1, column)]
    assert f"column {column}" in str(errors[0])


def test_it_reads_extra_braces_around_a_placeholder_as_text():
    assert render("Code {{{ customer.first_name }}}", DATA) == "Code {Ada}"
    assert render("{{{{ customer.first_name }}}}", DATA) == "{{Ada}}"
    assert validate("{{{ customer.first_name }}}", KNOWN) == []


def test_it_counts_lines_in_positions():
    errors = validate("Hello\nand then\n  {{ customer.oops }}", KNOWN)
    assert (errors[0].line, errors[0].column) == (3, 3)
    assert "customer.oops" in errors[0].message


def test_it_refuses_to_render_a_text_with_syntax_errors():
    with pytest.raises(RenderError, match="never closed"):
        render("Hi {{ customer.first_name", DATA)


@pytest.mark.parametrize(
    "template",
    [
        "{{ __class__ }}",
        "{{ customer.__class__ }}",
        "{{ customer.first_name.__class__.__mro__ }}",
        "{{ customer['first_name'] }}",
        "{{ customer.first_name() }}",
        "{{ settings.SECRET_KEY }}",
        "{% load static %}{% include 'admin/base.html' %}",
        "{{ customer.first_name|safe }}",
        "{{ 7*7 }}",
        "{{ customer.first_name | default:settings.SECRET_KEY }}",
    ],
)
def test_it_rejects_injection_attempts(template):
    assert validate(template, KNOWN)
    with pytest.raises(RenderError):
        render(template, {**DATA, "settings.SECRET_KEY": "leak", "customer": object()})


def test_it_never_walks_attributes_even_of_a_known_looking_key():
    # A dotted key is one dictionary key: "customer.first_name.upper" is simply missing.
    assert validate("{{ customer.first_name.upper }}", KNOWN)[0].code == "unknown_key"
    assert render("{{ customer.first_name.upper }}!", DATA, MissingDataPolicy.FALLBACK) == "!"


def test_it_inserts_values_verbatim_without_formatting_or_parsing_them():
    values = {
        "customer.first_name": "{{ customer.last_name }}",
        "customer.last_name": "{0.__class__} %(x)s %s {}",
    }
    template = "{{ customer.first_name }}|{{ customer.last_name }}"
    assert render(template, values) == "{{ customer.last_name }}|{0.__class__} %(x)s %s {}"
    assert render("Literal {0} and %s and {x}", {}) == "Literal {0} and %s and {x}"


def test_it_renders_very_long_values():
    long_value = "x" * 100_000
    assert render("[{{ customer.first_name }}]", {"customer.first_name": long_value}) == (
        f"[{long_value}]"
    )


def test_it_turns_numbers_and_dates_into_text_but_refuses_objects():
    data = {
        "invoice.amount": Decimal("12.50"),
        "invoice.due_date": datetime.date(2026, 12, 1),
        "customer.first_name": 7,
    }
    assert render(
        "{{ invoice.amount }} {{ invoice.due_date }} {{ customer.first_name }}", data
    ) == ("12.50 2026-12-01 7")
    with pytest.raises(RenderError, match="not text"):
        render("{{ customer.first_name }}", {"customer.first_name": object()})


def test_it_parses_into_text_and_placeholders_with_offsets():
    parsed = parse('A{{ customer.first_name | default:"x" }}B')
    assert parsed.nodes[0] == "A" and parsed.nodes[2] == "B"
    node = parsed.nodes[1]
    assert (node.key, node.fallback, node.start, node.end) == ("customer.first_name", "x", 1, 40)
