"""The lock-out after wrong receipt codes is a rule of core (core.attempts), counted by storage.limits."""

from datetime import UTC, datetime, timedelta

from core.attempts import DEFAULT_POLICY, AttemptPolicy
from storage.limits import Limits

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def test_five_wrong_codes_are_free_then_the_wait_doubles_up_to_a_day():
    policy, failures, waits = AttemptPolicy(), None, []
    for i in range(16):
        failures = policy.after_failure(failures, NOW + timedelta(seconds=i))
        waits.append(None if failures.locked_until is None else failures.locked_until - failures.window_start)
    assert waits[:4] == [None] * 4
    assert [w - timedelta(seconds=i) for i, w in enumerate(waits) if w][:3] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert failures.locked_until - (NOW + timedelta(seconds=15)) == timedelta(hours=24)


def test_the_count_starts_over_after_an_hour_without_a_lock_out():
    policy = AttemptPolicy()
    failures = policy.after_failure(None, NOW)
    for _ in range(3):
        failures = policy.after_failure(failures, NOW)
    later = policy.after_failure(failures, NOW + timedelta(hours=1, seconds=1))
    assert (later.count, later.window_start, later.locked_until) == (1, NOW + timedelta(hours=1, seconds=1), None)


async def test_the_counting_in_storage_follows_the_policy_of_core(tmp_path):
    limits = Limits(db=None, vault=None, policy=AttemptPolicy(free_failures=1))
    assert await limits.record_failure(7, NOW) == NOW + timedelta(minutes=1)
    assert await limits.locked_until(7, NOW) == NOW + timedelta(minutes=1)
    assert Limits(db=None, vault=None).policy is DEFAULT_POLICY
