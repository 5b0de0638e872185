"""profiles.message.parts: the one rule for how a message is split, capped and carried."""

from __future__ import annotations

from types import SimpleNamespace

from profiles.message import parts


def _profile(**fields):
    fields.setdefault("long_message_method", "udh")
    fields.setdefault("data_coding", "gsm7")
    fields.setdefault("max_parts", 6)
    return SimpleNamespace(**fields)


def test_it_allows_one_part_when_long_messages_are_rejected():
    plan = parts.plan("z" * 161, _profile(long_message_method="reject", max_parts=6))
    assert plan.limit == 1 and plan.part_count == 2 and plan.too_long
    assert not parts.plan("z" * 160, _profile(long_message_method="reject")).too_long


def test_it_caps_parts_at_max_parts_on_both_sides():
    profile = _profile(max_parts=2)
    assert not parts.plan("z" * 306, profile).too_long  # 2 × 153
    assert parts.plan("z" * 307, profile).too_long


def test_it_counts_a_message_payload_in_the_parts_the_handset_receives():
    profile = _profile(long_message_method="payload", max_parts=2)
    plan = parts.plan("z" * 307, profile)
    assert plan.as_payload and plan.part_count == 3 and plan.too_long
    within = parts.plan("z" * 306, profile)
    assert within.as_payload and within.part_count == 2 and not within.too_long
    assert not parts.plan("z" * 160, profile).as_payload  # one part needs no payload


def test_it_fills_sar_parts_to_a_whole_short_message():
    plan = parts.plan("z" * 320, _profile(long_message_method="sar"))
    assert [len(p) for p in plan.parts] == [160, 160]
    udh = parts.plan("z" * 320, _profile())
    assert [len(p) for p in udh.parts] == [153, 153, 14]


def test_it_forces_ucs2_when_the_profile_says_so():
    assert parts.plan("hello", _profile(data_coding="ucs2")).encoding == "ucs2"
    assert parts.plan("hello", _profile()).encoding == "gsm7"


def test_it_gives_the_live_counter_the_same_options():
    assert parts.options(_profile(long_message_method="sar")) == {"force_ucs2": False, "udh": False}
    assert parts.options(_profile(long_message_method="payload")) == {
        "force_ucs2": False,
        "udh": True,
    }
    assert parts.limit(_profile(long_message_method="reject")) == 1
