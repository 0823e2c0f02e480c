"""What the liaisons' daily run owes for a period (core.periods.liaison_round, nudge, missing_list_now):
nothing before the prompt or long after the missing list, the reminders in order, overdue after the due
day, and the missing list waiting a day after a catch-up prompt."""

from datetime import date, datetime, time, timedelta

from core.periods import STALE_AFTER, Round, Schedule, liaison_round, missing_list_now, nudge

AT = time(9, 0)
SCHEDULE = Schedule("2026-10", date(2026, 11, 1), (date(2026, 11, 2), date(2026, 11, 3)), date(2026, 11, 3))


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour, 0))


def test_nothing_before_the_prompt_time():
    assert liaison_round(SCHEDULE, _at(date(2026, 11, 1), 8), AT) is None


def test_the_prompt_then_the_reminders_in_order():
    assert liaison_round(SCHEDULE, _at(date(2026, 11, 1)), AT) == Round(("prompt",), False, False)
    later = liaison_round(SCHEDULE, _at(date(2026, 11, 3)), AT)
    assert later == Round(("prompt", "remind:2026-11-02", "remind:2026-11-03"), False, False)


def test_after_the_due_day_it_is_overdue_and_the_missing_list_is_due():
    assert liaison_round(SCHEDULE, _at(date(2026, 11, 4)), AT) == Round(
        ("prompt", "remind:2026-11-02", "remind:2026-11-03"), True, True
    )


def test_a_period_long_past_its_missing_list_is_not_prompted():
    last = SCHEDULE.missing_on + STALE_AFTER
    assert liaison_round(SCHEDULE, _at(last), AT) is not None
    assert liaison_round(SCHEDULE, _at(last + timedelta(days=1)), AT) is None


def test_prompt_reminder_or_nothing_for_one_liaison():
    assert nudge(prompt_reached=False, latest_reached=False) == "prompt"
    assert nudge(prompt_reached=True, latest_reached=False) == "reminder"
    assert nudge(prompt_reached=True, latest_reached=True) is None


def test_the_missing_list_waits_a_day_after_a_catch_up_prompt():
    due = Round(("prompt",), missing_due=True, overdue=True)
    assert missing_list_now(due, prompts=0)
    assert not missing_list_now(due, prompts=1)
    assert not missing_list_now(Round(("prompt",), missing_due=False, overdue=False), prompts=0)
