"""One long-lived session per worker per profile, counted at a real SMSC (the sandbox peer)."""

from __future__ import annotations

import multiprocessing
import time

import pytest
from django.db import DatabaseError

from profiles.choices import BindMode
from sending import receipt_matching
from sending.jobs import leases
from sending.jobs.session_pool import SessionPool
from sending.models import UnmatchedReceipt
from sending.transports.base import OutgoingMessage, TransportError


@pytest.fixture
def pool(redis_url):
    pools = []

    def make(**options):
        options.setdefault("tick", 0.1)
        pools.append(SessionPool(**options))
        return pools[-1]

    yield make
    for each in pools:
        each.close_all()


def _send(pool, profile, *numbers) -> list:
    messages = [OutgoingMessage(number, "ACME", "hi") for number in numbers]
    with pool.checkout(profile) as transport:
        return [outcome for _m, outcome in transport.send_many(messages)]


def _binds(smsc) -> list[dict]:
    return [event for event in smsc.events("bind") if event["status"] == 0]


def test_two_tasks_reuse_one_bind(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc), pool()
    first = _send(pool, profile, "+41790000001")
    second = _send(pool, type(profile).objects.get(pk=profile.pk), "+41790000002")
    assert all(o.provider_ids for o in first + second)
    assert len(smsc.accepted()) == 2
    assert len(_binds(smsc)) == 1 and pool.opened == 1
    assert len(leases.holders(profile.pk)) == 1  # its bind slot is held while open


def test_it_keeps_an_idle_bind_alive_with_enquire_link(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc, enquire_link_interval=1), pool()
    _send(pool, profile, "+41790000001")
    assert smsc.wait_for(lambda: len(smsc.events("enquire_link")) >= 2, timeout=5)
    _send(pool, profile, "+41790000002")  # still the same bind afterwards
    assert len(_binds(smsc)) == 1 and len(smsc.accepted()) == 2


def test_an_edited_profile_gets_a_new_bind(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile = smpp_profile(smsc, bind_mode=BindMode.TRANSMITTER)
    pool = pool()
    _send(pool, profile, "+41790000001")
    profile.bind_mode = BindMode.TRANSCEIVER
    profile.save()
    _send(pool, profile, "+41790000002")
    assert [bind["mode"] for bind in _binds(smsc)] == ["transmitter", "transceiver"]
    assert smsc.wait_for(lambda: smsc.events("unbind"))  # the old one was closed
    assert len(pool) == 1 and len(leases.holders(profile.pk)) == 1


def test_it_unbinds_after_the_idle_timeout(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc), pool(idle_close=1)
    _send(pool, profile, "+41790000001")
    time.sleep(0.5)
    assert not smsc.events("unbind") and len(pool) == 1  # not idle long enough yet
    assert smsc.wait_for(lambda: smsc.events("unbind"), timeout=3)
    assert len(pool) == 0 and leases.holders(profile.pk) == {}
    _send(pool, profile, "+41790000002")  # the next task binds again
    assert len(_binds(smsc)) == 2


def test_a_session_that_failed_to_open_is_not_kept(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc, password="wrong-pw"), pool()
    with pytest.raises(TransportError) as refused:
        _send(pool, profile, "+41790000001")
    assert refused.value.permanent
    assert len(pool) == 0 and leases.holders(profile.pk) == {}  # slot given back
    profile.password = smsc.password
    profile.save()
    assert _send(pool, profile, "+41790000001")[0].provider_ids


def test_max_binds_holds_between_workers(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile = smpp_profile(smsc, max_binds=1)
    first, second = pool(), pool(lease_wait=0.3)
    _send(first, profile, "+41790000001")
    with pytest.raises(TransportError) as busy:
        _send(second, profile, "+41790000002")
    assert busy.value.code == "binds_busy" and not busy.value.permanent
    assert len(_binds(smsc)) == 1  # the refused worker never connected
    first.close_all()
    _send(second, profile, "+41790000002")
    assert len(_binds(smsc)) == 2 and len(smsc.accepted()) == 2


def test_it_renews_the_lease_while_idle(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc), pool(lease_ttl=1)
    _send(pool, profile, "+41790000001")
    time.sleep(2.5)  # past two TTLs
    (left,) = leases.holders(profile.pk).values()
    assert 0 < left <= 1
    assert leases.acquire(profile.pk, 1, 5) is None  # still its slot


def _child_sends(pool, profile, queue) -> None:
    inherited = len(pool)
    queue.put((inherited, _send(pool, profile, "+41790000003")[0].provider_ids))
    pool.close_all()  # as at worker_process_shutdown


def test_a_forked_child_does_not_reuse_the_parents_bind(start_smsc, smpp_profile, pool):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc, max_binds=2), pool()
    _send(pool, profile, "+41790000001")
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_sends, args=(pool, profile, queue))
    child.start()
    inherited, ids = queue.get(timeout=20)
    child.join(10)
    assert inherited == 0 and ids  # nothing inherited; it bound on its own
    assert len({r["session"] for r in smsc.accepted()}) == 2
    assert _send(pool, profile, "+41790000002")[0].provider_ids  # the parent's bind still works
    assert len(_binds(smsc)) == 2


def test_web_url_sessions_are_pooled_without_a_lease(gateway, web_url_profile, pool):
    profile, pool = web_url_profile(gateway), pool()
    with pool.checkout(profile) as first:
        first.send(OutgoingMessage("+41790000001", "ACME", "hi"))
    with pool.checkout(profile) as second:
        second.send(OutgoingMessage("+41790000002", "ACME", "hi"))
    assert first is second and pool.opened == 1
    assert leases.holders(profile.pk) == {}
    assert len(gateway.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_an_idle_bind_writes_its_receipts_itself_then_answers_them(start_smsc, smpp_profile, pool):
    smsc = start_smsc("netsmpp", receipt_delay=0.5)
    profile = smpp_profile(smsc, bind_mode=BindMode.TRANSCEIVER)
    pool = pool()
    (sent,) = _send(pool, profile, "+41790000001")  # left before its receipt came

    # No next task: the keeper thread wrote it (no part has the id: it waits as unmatched)…
    [answer] = smsc.wait_for(lambda: _answered(smsc), timeout=5)
    [row] = UnmatchedReceipt.objects.filter(profile=profile)
    assert row.provider_id == sent.provider_ids[0]
    # …and answered it only then.
    assert row.received_at.timestamp() < answer["t"]


@pytest.mark.django_db(transaction=True)
def test_an_idle_bind_leaves_a_receipt_it_cannot_write_unanswered(
    start_smsc, smpp_profile, pool, monkeypatch
):
    smsc = start_smsc("netsmpp", receipt_delay=0.3)
    profile = smpp_profile(smsc, bind_mode=BindMode.TRANSCEIVER)
    pool = pool()
    monkeypatch.setattr(receipt_matching, "record_receipts", _database_down)
    (sent,) = _send(pool, profile, "+41790000001")
    assert smsc.wait_for(lambda: smsc.events("deliver_sm"), timeout=5)
    time.sleep(1.0)  # the keeper polled the bind a few times meanwhile
    assert not smsc.events("deliver_sm_resp")  # the SMSC still holds it
    assert not UnmatchedReceipt.objects.exists()

    monkeypatch.undo()  # the database is back: written, then answered
    assert smsc.wait_for(lambda: _answered(smsc), timeout=5)
    assert UnmatchedReceipt.objects.get().provider_id == sent.provider_ids[0]
    assert len(_binds(smsc)) == 1  # on the same bind


def _answered(smsc) -> list[dict]:
    return [e for e in smsc.events("deliver_sm_resp") if e["status"] == 0]


def _database_down(*args, **kwargs):
    raise DatabaseError("the database is away")


def test_a_lost_lease_is_taken_again_or_the_bind_closes(start_smsc, smpp_profile, pool, redis):
    smsc = start_smsc("sandbox")
    profile = smpp_profile(smsc, max_binds=1)
    pool = pool(lease_ttl=1)
    _send(pool, profile, "+41790000001")
    (before,) = leases.holders(profile.pk)
    redis.delete(f"smsportal:binds:{profile.pk}")  # as after a Redis restart
    assert smsc.wait_for(lambda: set(leases.holders(profile.pk)) - {before}, timeout=3)
    assert len(pool) == 1 and not smsc.events("unbind")  # free slot: taken again, still bound

    with redis.pipeline(transaction=True) as lost:  # lost, and at once taken by another worker
        lost.delete(f"smsportal:binds:{profile.pk}")
        lost.zadd(f"smsportal:binds:{profile.pk}", {"other#1": time.time() * 1000 + 10_000})
        lost.execute()
    assert smsc.wait_for(lambda: smsc.events("unbind"), timeout=3)  # so this bind must go
    assert len(pool) == 0 and set(leases.holders(profile.pk)) == {"other#1"}
    redis.delete(f"smsportal:binds:{profile.pk}")


def test_it_does_not_bind_when_the_bind_limit_cannot_be_checked(
    start_smsc, smpp_profile, pool, settings
):
    smsc = start_smsc("sandbox")
    profile, pool = smpp_profile(smsc), pool()
    settings.REDIS_URL = "unix:///nonexistent/redis.sock"
    with pytest.raises(TransportError) as unavailable:
        _send(pool, profile, "+41790000001")
    assert unavailable.value.code == "binds_unavailable" and not unavailable.value.permanent
    assert len(pool) == 0 and not smsc.events("bind")
