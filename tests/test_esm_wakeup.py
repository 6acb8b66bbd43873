"""The wake-up of event source mapping workers (sandbox/plugins/esm_wakeup) and the journal's wait
(GET /_awslab/journal/<account>?wait=S), which flow checks pause on. No timings asserted: each test
checks what happens (a wait that ends because of a wake, a journal answer that holds a hop written
after the request was sent); bench/bench_triggers.py measures the latencies."""

from __future__ import annotations

import threading
import pytest

from sandbox.emulator import EmulatorClient


def test_wakeable_event_keeps_a_wake_for_the_next_wait_and_stays_a_shutdown_signal():
    from sandbox.plugins.esm_wakeup.wakeup import WakeableEvent

    event = WakeableEvent()
    event.wake()  # while the worker polls: the next wait must not sleep
    assert event.wait(30) is False  # returned because of the wake, flag unchanged
    assert event._woken is False  # consumed: the wait after it sleeps again
    assert event.wait(0.01) is False
    threading.Timer(0.05, event.set).start()
    assert event.wait(30) is True and event.is_set()  # shutdown still ends the wait, and says so
    event.clear()
    assert not event.is_set()


def test_wake_reaches_only_the_workers_of_that_source():
    from sandbox.plugins.esm_wakeup import wakeup

    mine, other = wakeup.WakeableEvent(), wakeup.WakeableEvent()
    with wakeup._lock:
        wakeup._waiting.setdefault("arn:aws:sqs:ap-northeast-1:000000000001:q-test", __import__("weakref").WeakSet()).add(mine)
        wakeup._waiting.setdefault("arn:aws:sqs:ap-northeast-1:000000000001:q-other", __import__("weakref").WeakSet()).add(other)
    assert wakeup.wake("arn:aws:sqs:ap-northeast-1:000000000001:q-test") == 1
    assert mine._woken and not other._woken
    assert wakeup._tables_written("TransactWriteItems", {"TransactItems": [
        {"Put": {"TableName": "A"}}, {"Delete": {"TableName": "arn:aws:dynamodb:r:1:table/B"}}]}) == {"A", "B"}
    assert wakeup._tables_written("ExecuteStatement", {"Statement": "..."}) is None


@pytest.mark.emulator
def test_journal_wait_answers_with_a_hop_made_after_the_request(account):
    client = EmulatorClient.for_account(account)
    sqs = account.client("sqs")
    url = sqs.create_queue(QueueName="wait-probe")["QueueUrl"]
    since = client.journal_position(account.account_id)
    threading.Timer(0.5, lambda: sqs.send_message(QueueUrl=url, MessageBody="x")).start()
    entries = client.journal(account.account_id, since, wait=5)
    # Without the wait the answer, sent at once, would be empty: the message is sent 0.5 s later.
    assert [e["hop"] for e in entries] == ["api-call"], entries
    assert client.journal(account.account_id, entries[-1]["seq"], wait=0) == []


@pytest.mark.emulator
def test_plugins_loaded(emulator):
    plugins = EmulatorClient(emulator.endpoint).info()["plugins"]
    assert {"esm_wakeup", "offline_packages"} <= set(plugins)
