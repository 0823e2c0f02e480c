"""A liaison sends the monthly figures: step by step or in one message, every rule with its message,
confirmations for blanks and tenfold jumps, the preview with 累计数, corrections, locking, lateness."""

from __future__ import annotations

from datetime import datetime

from core.figures import TEMPLATE_A
from tests.conftest import services_of
from tests.liaisons import LIAISON, OTHER_LIAISON, add_unit, office_with_unit, press, put_clock, register_directly
from tests.office import ADMIN

NOV_1 = datetime(2026, 11, 1, 10, 0)
#: Template A's typed columns in order, with the answers a liaison types (as people type them).
TYPED = ["enterprises", "inspected", "hazards", "rectified", "cases", "seizures", "fines", "suspended",
         "licences", "closures", "exposed", "blacklisted", "joint", "criminal", "referred"]  # fmt: skip
ANSWERS = ["120", "十二", "３０", "25", "3", "0", "1.2345", "1", "0", "0", "2", "0", "0", "0", "1"]
STORED = {"enterprises": 120, "inspected": 12, "hazards": 30, "rectified": 25, "cases": 3, "seizures": 0,
          "fines": 12345, "suspended": 1, "licences": 0, "closures": 0, "exposed": 2, "blacklisted": 0,
          "joint": 0, "criminal": 0, "referred": 1}  # fmt: skip


async def _liaison(sim, monkeypatch, when: datetime = NOV_1, user_id: int = LIAISON):
    put_clock(sim, monkeypatch, when)
    unit = await office_with_unit(sim) if user_id == LIAISON else None
    user = sim.user(user_id)
    await user.send("/language")
    await user.tap("lang:en")
    return unit, user


async def _previous(sim, unit, period: str, **values: int) -> None:
    services = services_of(sim)
    figures = {code: values.get(code, 0) for code in TYPED}
    await services.figures.submit_month(unit.id, period, TEMPLATE_A, figures, LIAISON, services.clock(), late=False)


async def _step_through(user, answers) -> list:
    replies = []
    for answer in answers:
        replies = await user.send(answer)
    return replies


async def test_step_by_step_with_last_month_shown_and_the_preview_with_year_to_date(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await _previous(sim, unit, "2026-09", enterprises=118, inspected=10, hazards=20, rectified=20, fines=5000)
        [home] = (await user.tap("menu:liaison"))[-1:]
        assert "not sent yet" in home.text and "2026-11-03" in home.text
        [first] = await user.tap(f"lf:step:{unit.id}:2026-10")
        assert "东平村" in first.text and "Enterprises supervised" in first.text and "Last month: 118\n" in first.text
        assert "家" not in first.text  # no Chinese units in English
        [preview] = await _step_through(user, ANSWERS)
        assert "year to date" in preview.text
        assert "Hazards found: 30 · year to date 50" in preview.text
        assert "Enterprises supervised: 120 · year to date 120" in preview.text
        assert "25.00 %" in preview.text  # 3 cases of 12 inspected, computed
        assert "Fines: 1.2345 × 10,000 yuan · year to date 1.7345 × 10,000 yuan" in preview.text
        [stored, *_] = await user.tap("lv:send")
        assert "Version 1" in stored.text and "late" not in stored.text
        saved = await services_of(sim).submissions.latest(unit.id, "2026-10")
    assert saved.values == STORED and not saved.late


async def test_each_wrong_answer_gets_its_message_and_the_question_again(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await user.tap("menu:liaison")
        await user.tap(f"lf:step:{unit.id}:2026-10")
        [negative] = await user.send("-3")
        assert "cannot be negative" in negative.text and "Enterprises supervised" in negative.text
        [words] = await user.send("about ten")
        assert "not a whole number" in words.text
        [sticker] = await user.send_sticker()
        assert "as text" in sticker.text
        [zero] = await user.tap("lv:zero:0")
        assert "Enterprises inspected" in zero.text
        [back] = await user.tap("lv:back:1")
        assert "Enterprises supervised" in back.text
        await user.send("10")
        [forged] = await press(user, "lv:zero:5")  # a stale or forged press for another question
        assert "no longer valid" in forged.text and "Enterprises inspected" in forged.text
        await press(user, "lv:back:1")  # the same Back tapped twice takes one answer back only
        [stale] = await press(user, "lv:back:1")
        assert "no longer valid" in stale.text and "Enterprises supervised" in stale.text
        await user.send("10")
        [inspected_too_many, *_] = await _step_through(user, ["12", *ANSWERS[2:]])
        assert "Enterprises inspected on site (12) cannot be more than Enterprises supervised (10)" in (
            inspected_too_many.text
        )
        assert "Question 2 of 15\nEnterprises inspected on site\n" in inspected_too_many.text  # asked again
        [money] = await user.send("8")
        assert "Enterprises inspected on site: 8 · year to date 8" in money.text
        assert await services_of(sim).submissions.latest(unit.id, "2026-10") is None


async def test_money_with_five_decimals_and_cases_over_inspections_are_refused(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await user.tap("menu:liaison")
        await user.tap(f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS[:6])
        [fines] = await user.send("1.23456")
        assert "not an amount in units of 10,000 yuan" in fines.text
        await user.send("2")
        [cases] = await _step_through(user, ANSWERS[7:])
        assert "year to date" in cases.text  # all fine so far
        await user.tap("lv:restart")
        answers = list(ANSWERS)
        answers[4] = "13"  # 13 cases, 12 enterprises inspected
        [problem] = await _step_through(user, answers)
        assert "Cases opened (13) cannot be more than Enterprises inspected on site (12)" in problem.text
        assert "Question 5 of 15\nCases opened\n" in problem.text


async def test_rectified_cannot_exceed_hazards_over_the_year(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await _previous(sim, unit, "2026-09", enterprises=120, hazards=5, rectified=2)
        await user.tap("menu:liaison")
        await user.tap(f"lf:step:{unit.id}:2026-10")
        answers = list(ANSWERS)
        answers[2], answers[3] = "0", "4"  # this month alone is fine only if 4 ≤ 0: it is not, year to date 6 > 5
        [problem] = await _step_through(user, answers)
        assert "Year to date, Hazards rectified (6) cannot be more than Hazards found (5)" in problem.text


async def test_ten_times_last_month_needs_a_confirmation(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await _previous(sim, unit, "2026-09", enterprises=120, inspected=1, hazards=30, rectified=25, cases=3)
        await user.tap("menu:liaison")
        await user.tap(f"lf:step:{unit.id}:2026-10")
        [question] = await _step_through(user, ANSWERS)
        assert "more than 10 times" in question.text and "Enterprises inspected on site: 12 (last month 1)" in (
            question.text
        )
        [again] = await user.tap("lv:jump_no")
        assert "Question 2 of 15\nEnterprises inspected on site\n" in again.text
        [question] = await user.send("12")
        [preview] = await user.tap("lv:jump_yes")
        assert "year to date" in preview.text
        await user.tap("lv:send")
        assert (await services_of(sim).submissions.latest(unit.id, "2026-10")).values["inspected"] == 12


FORM = """监管企业总数（家）：1,200
现场监督检查企业数（家）：１２
排查隐患数（处）：三十
隐患整改数（处）：25
立案数（件）：3
查封、扣押、停电处理（起）：
罚款金额（万元）：1.2345
责令停产整顿（家）：1
暂扣吊销有关证件（件）：
提请关闭企业（家）：
曝光企业数（家）：2
纳入黑名单（家）：
联合惩戒（家）：
移送追究刑事责任（人）：
移送其他部门处理（起）：1"""


async def test_one_message_form_with_blanks_confirmed_as_zero(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await user.tap("menu:liaison")
        [form] = await user.tap(f"lf:text:{unit.id}:2026-10")
        assert "\nEnterprises supervised: \n" in form.text and "\nFines (10,000 yuan): \n" in form.text
        assert "（" not in form.text  # English labels in English, no Chinese units; Chinese ones parse too
        [blanks] = await user.send(FORM)
        assert "empty" in blanks.text and "Seizures and power cuts" in blanks.text
        [preview] = await user.tap("lv:blank_yes")
        assert "year to date" in preview.text
        await user.tap("lv:send")
        saved = await services_of(sim).submissions.latest(unit.id, "2026-10")
    assert saved.values == {**STORED, "enterprises": 1200}


async def test_one_message_form_problems_are_resent_line_by_line(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await user.tap("menu:liaison")
        await user.tap(f"lf:text:{unit.id}:2026-10")
        [nothing] = await user.send("hello")
        assert "could not find" in nothing.text
        broken = FORM.replace("立案数（件）：3", "立案数（件）：three").replace("罚款金额（万元）：1.2345\n", "")
        [problems] = await user.send(broken)
        assert "“three” is not a whole number" in problems.text and "Fines: the line is missing" in problems.text
        [blanks] = await user.send("立案数：3\nFines: 1.2345")
        assert "empty" in blanks.text
        [fill] = await user.tap("lv:blank_no")
        assert "Still missing" in fill.text and "Seizures and power cuts" in fill.text
        zeros = "\n".join(f"{name}：0" for name in ("查封、扣押、停电处理", "暂扣吊销有关证件", "提请关闭企业",
                                                   "纳入黑名单", "联合惩戒", "移送追究刑事责任"))  # fmt: skip
        [preview] = await user.send(zeros)
        assert "year to date" in preview.text
        await user.tap("lv:send")
        saved = await services_of(sim).submissions.latest(unit.id, "2026-10")
    assert saved.values == {**STORED, "enterprises": 1200}


async def test_corrections_keep_every_version_until_the_admin_locks_the_month(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        for answer in ("3", "4"):
            await user.tap("menu:liaison")
            await user.tap(f"lf:step:{unit.id}:2026-10")
            await _step_through(user, [*ANSWERS[:4], answer, *ANSWERS[5:]])
            await user.tap("lv:send")
        services = services_of(sim)
        versions = await services.submissions.versions(unit.id, "2026-10")
        assert [v.values["cases"] for v in versions] == [3, 4] and [v.version for v in versions] == [1, 2]
        await user.tap("menu:liaison")
        await user.tap(f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS)  # a third version, at the preview when the month is locked
        admin = sim.user(ADMIN)
        await admin.send("/monthly 2026-10")
        [question] = await admin.tap("mon:lock:2026-10")
        assert "确定锁定" in question.text and "2026年10月" in question.text
        [kept] = await admin.tap("mon:back:2026-10")  # 返回: the month stays open
        assert "未锁定" in kept.text and not await services.submissions.locked("2026-10")
        await admin.send("/monthly 2026-10")
        await admin.tap("mon:lock:2026-10")
        [locked] = await admin.tap("mon:ok:lock:2026-10")
        assert "已锁定" in locked.text and await services.submissions.locked("2026-10")
        [refused] = await user.tap("lv:send")
        assert "locked" in refused.text and "Nothing was stored" in refused.text
        [again] = await user.tap(f"lf:step:{unit.id}:2026-10")
        assert "locked" in again.text
        assert len(await services.submissions.versions(unit.id, "2026-10")) == 2


async def test_a_late_submission_is_marked_late(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch, when=datetime(2026, 11, 4, 8, 0))
        await press(user, f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS)
        [stored, *_] = await user.tap("lv:send")
        assert "marked late" in stored.text and "2026-11-03" in stored.text
        assert (await services_of(sim).submissions.latest(unit.id, "2026-10")).late


async def test_only_the_units_liaison_and_only_months_that_have_come(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        other = await add_unit(sim, "西村")
        [not_mine] = await press(user, f"lf:step:{other.id}:2026-10")
        assert "not the liaison" in not_mine.text
        [future] = await press(user, f"lf:step:{unit.id}:2026-11")
        assert "cannot be reported yet" in future.text
        [nonsense] = await press(user, f"lf:step:{unit.id}:2026-13")
        assert "cannot be reported yet" in nonsense.text
        [forged] = await press(user, "lf:step:x:2026-10")
        assert "no longer valid" in forged.text
        stranger = sim.user(OTHER_LIAISON)
        await stranger.send("/start")
        [home] = await stranger.tap("menu:liaison")
        assert "/register" in home.text


async def test_an_entry_survives_a_restart_and_the_same_update_twice_counts_once(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await press(user, f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS[:5])
        await user.redeliver()  # "3" for 立案数 delivered again: not taken as 查封、扣押
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, NOV_1)
        user = sim.user(LIAISON)
        [preview] = await _step_through(user, ANSWERS[5:])
        assert "year to date" in preview.text
        await user.tap("lv:send")
        saved = await services_of(sim).submissions.latest(unit.id, "2026-10")
    assert saved.values == STORED


async def test_a_handed_over_unit_cannot_be_sent_by_the_old_liaison(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await press(user, f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS)
        await register_directly(sim, unit, OTHER_LIAISON)
        [refused] = await user.tap("lv:send")
        assert "not the liaison" in refused.text and "Nothing was stored" in refused.text


async def test_a_correction_after_the_due_day_keeps_the_month_on_time(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await press(user, f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ANSWERS)
        await user.tap("lv:send")
        put_clock(sim, monkeypatch, datetime(2026, 11, 10, 10, 0))
        await press(user, f"lf:step:{unit.id}:2026-10")
        await _step_through(user, ["121", *ANSWERS[1:]])
        [stored, *_] = await user.tap("lv:send")
        assert "Version 2" in stored.text and "late" not in stored.text
        assert not (await services_of(sim).submissions.latest(unit.id, "2026-10")).late


async def test_the_same_figures_sent_again_are_not_a_new_version(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        for _ in range(2):
            await press(user, f"lf:step:{unit.id}:2026-10")
            await _step_through(user, ANSWERS)
            [stored, *_] = await user.tap("lv:send")
        assert "version 1, stored already: nothing changed" in stored.text
        assert len(await services_of(sim).submissions.versions(unit.id, "2026-10")) == 1


async def test_a_stale_yes_at_the_preview_approves_nothing(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await press(user, f"lf:step:{unit.id}:2026-10")
        [preview] = await _step_through(user, ANSWERS)
        assert "year to date" in preview.text
        for stale in ("lv:jump_yes", "lv:blank_yes", "lv:blank_no"):
            [refused] = await press(user, stale)
            assert "no longer valid" in refused.text


async def test_correcting_an_earlier_month_keeps_later_months_consistent(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch)
        await _previous(sim, unit, "2026-08", enterprises=120, hazards=5, rectified=5)
        await _previous(sim, unit, "2026-09", enterprises=120, hazards=0, rectified=0)
        await _previous(sim, unit, "2026-10", enterprises=120, hazards=0, rectified=3)  # needs August's 5 hazards
        [home, *_] = (await user.tap("menu:liaison"))[-1:]
        assert f"lf:step:{unit.id}:2026-09" in repr(home.buttons)
        await press(user, f"lf:step:{unit.id}:2026-08")
        answers = ["120", "0", "3", "3", *(["0"] * 11)]  # August's hazards cut to 3: October's total breaks
        [problem] = await _step_through(user, answers)
        assert "Year to date, Hazards rectified" in problem.text


async def test_a_missed_month_can_be_sent_late_from_the_page(start_bot, monkeypatch):
    async with start_bot() as sim:
        unit, user = await _liaison(sim, monkeypatch, when=datetime(2026, 12, 5, 10, 0))
        [home, *_] = (await user.tap("menu:liaison"))[-1:]
        assert "November 2026" in home.text
        [button] = [label for label, data in (b for row in home.buttons for b in row)
                    if data == f"lf:step:{unit.id}:2026-10"]  # fmt: skip
        assert "late" in button
