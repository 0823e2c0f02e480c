"""One phone rule (core.parsing.normalize_phone) for every number people type: a reporter's, a liaison's
and their unit head's. A mobile number has 11 digits starting with 1; a landline its area code; a
number that is neither is answered politely, in the same words everywhere."""

from __future__ import annotations

import pytest

from core.liaisons import Contact
from core.parsing import normalize_phone
from core.tips import Identity
from tests.conftest import services_of
from tests.liaisons import add_unit, code_for
from tests.office import add_staff
from tests.reporter import to_step

REPORTER = 5551234599
NEWCOMER = 8400000299


@pytest.mark.parametrize(
    "typed, kept",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),  # as Telegram shares a contact
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("0730-5172110", "0730-5172110"),  # 4-digit area code, 7-digit number
        ("010-82345678", "010-82345678"),  # Beijing: 3-digit area code, 8-digit number
        ("（021）6234 5678", "021-62345678"),
        ("0730 5172110", "07305172110"),  # no dash typed: none invented
        ("0730-5172110转801", "0730-5172110-801"),
        ("0730-5172110-801", "0730-5172110-801"),
    ],
)
def test_mobile_and_landline_numbers_are_taken(typed, kept):
    assert normalize_phone(typed) == kept
    assert Identity(name="张三", phone=kept).phone == kept


@pytest.mark.parametrize(
    "typed",
    [
        "12345",  # five digits: taken before by the reporter's step
        "5172110",  # seven digits, no area code: taken before by the liaison's form
        "12350",  # a hotline, not a person's phone
        "1380013800",  # a mobile number one digit short
        "23800138000",  # 11 digits, but not a mobile number
        "0730-0172110",  # a local number starting with 0
        "0730-5172110-1234567",  # an extension too long
        "call me",
    ],
)
def test_numbers_that_are_neither_are_refused(typed):
    assert normalize_phone(typed) is None


def test_a_contact_kept_under_the_looser_rule_still_reads():
    kept = Contact(head="王五", head_title="村主任", head_phone="5172110", name="李四", title="联络员",
                   phone="+8613800138000")  # fmt: skip
    assert kept.head_phone == "5172110" and kept.phone == "13800138000"
    with pytest.raises(ValueError):
        Contact(head="王五", head_title="村主任", head_phone="12", name="李四", title="联络员", phone="13800138000")


async def test_a_reporter_typing_five_digits_is_asked_again_politely(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await to_step(user, "identity")
        await user.tap("tip:identity:named")
        await user.send("赵建国")
        [wrong] = await user.send("12345")
        assert "不是有效的电话号码" in wrong.text and "11 位手机号码" in wrong.text and "区号" in wrong.text
        [push] = await user.send("0730-5172110")
        assert push.text.startswith("第 8 步")


async def test_a_liaison_typing_a_number_without_its_area_code_gets_the_same_answer(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        unit = await add_unit(sim)
        user = sim.user(NEWCOMER)
        await user.send(f"/register {await code_for(sim, unit)}")
        await user.send("王主任")
        await user.send("主任")
        [wrong] = await user.send("5172110")
        assert "不是有效的电话号码" in wrong.text and "11 位手机号码" in wrong.text and "区号" in wrong.text
        for answer in ("0730-5172110", "赵敏", "联络员", "13900000001"):
            await user.send(answer)
        await user.tap("fv:6:skip")
        await user.tap("fv:7:skip")
        await user.tap("fv:confirm")
        [item] = await services_of(sim).units.of_user(NEWCOMER)
        assert item.contact.head_phone == "0730-5172110" and item.contact.phone == "13900000001"
