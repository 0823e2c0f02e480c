"""What the users read, word by word: counts in English, one line per evidence file, punctuation that
belongs to the language, a landline's dash kept (issue 14)."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import cli
from bot.poster_cli import poster_text
from core import taxonomy
from core.casework import Verification
from core.figures import TEMPLATE_A
from core.parsing import normalize_phone
from core.poster import layout
from core.tips import Status
from handlers.i18n import catalogue_path
from tests.conftest import ROOT, services_of
from tests.liaisons import LIAISON, office_with_unit, put_clock
from tests.media import photo_with_exif
from tests.office import ADMIN, EMERGENCY, add_staff, open_card, work_to
from tests.reporter import SITE, check, file_tip, to_step

REPORTER = 5551234567


async def _in_english(user) -> None:
    await user.send("/language")
    await user.tap("lang:en")


async def test_each_evidence_file_is_acknowledged_in_one_line_and_the_instructions_come_once(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        [step] = await to_step(user, "evidence")
        assert step.text.count("最多可以发送 10 个文件") == 1
        [first] = await user.send_photo(photo_with_exif())
        assert (
            first.text
            == "已收到第 1 个文件（照片）。照片中的位置、相机信息和拍摄时间已去除。还可以再发 9 个，或点“完成”。"
        )
        assert first.labels == ["完成（1 个文件）", "⬅ 上一步", "✖ 取消"]
        [second] = await user.send_document(b"%PDF-1.4 minutes of the meeting", "minutes.pdf")
        assert second.text == "已收到第 2 个文件（文件）。还可以再发 8 个，或点“完成”。"
        assert "\n" not in second.text and "第 6 步" not in second.text
        [identity] = await user.tap("完成（2 个文件）")
        assert "真实姓名" in identity.text


async def test_english_counts_agree_with_their_nouns(start_bot, office):
    config = office.model_copy(update={"limits": office.limits.model_copy(update={"max_files_per_tip": 2})})
    async with start_bot(config=config) as sim:
        user = sim.user(REPORTER)
        await _in_english(user)
        [step] = await to_step(user, "evidence")
        assert "You can send up to 2 files" in step.text
        [first] = await user.send_photo(photo_with_exif())
        assert first.text == (
            "File 1 received (photo). Its location, camera details and time were removed. "
            "You can send 1 more file, or tap “Done”."
        )
        assert first.labels[0] == "Done (1 file)"
        [second] = await user.send_photo(photo_with_exif((10, 10, 200)))
        assert second.text.endswith("That is the most one report can hold: tap “Done”.")
        assert second.labels[0] == "Done (2 files)"
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "6 Evidence: 2 files" in summary.text
        await user.tap("tip:summary:edit:evidence")
        [refused] = await user.send_photo(photo_with_exif((10, 200, 10)))
        assert refused.text.startswith("You have sent 2 files, the most one report can hold.")


async def test_the_summary_of_one_file_in_english_has_no_chinese_punctuation(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        await _in_english(user)
        await to_step(user, "evidence")
        await user.send_photo(photo_with_exif())
        await user.tap("tip:evidence:done")
        await user.tap("tip:identity:anonymous")
        [summary] = await user.tap("tip:push:no")
        assert "6 Evidence: 1 file\n" in summary.text
        assert f"4 Where: Xishan village; {SITE}" in summary.text
        assert "；" not in summary.text


async def test_a_reporters_landline_keeps_its_dash(start_bot):
    async with start_bot() as sim:
        receipt = await file_tip(sim.user(REPORTER), identity=("张三", "（0531）8234 5678"))
        identity = await services_of(sim).tips.identity(receipt.number)
    assert identity.phone == "0531-82345678"


def test_phone_numbers_as_written():
    assert normalize_phone("0531-82345678") == "0531-82345678"
    assert normalize_phone("０１０－８２３４５６７８") == "010-82345678"
    assert normalize_phone("0531 82345678") == "053182345678"  # no dash typed: none invented
    assert normalize_phone("138-0000-0001") == normalize_phone("138 0000 0001") == "13800000001"


async def test_a_line_taken_back_for_a_broken_rule_is_asked_again_not_missing(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 10, 0))
        unit = await office_with_unit(sim)
        user = sim.user(LIAISON)
        await user.send("/start")
        await user.tap("menu:liaison")
        await user.tap(f"lf:text:{unit.id}:2026-10")
        lines = [f"{c.name}：{1300 if c.code == 'inspected' else 1200 if c.code == 'enterprises' else 0}"
                 for c in TEMPLATE_A.typed]  # fmt: skip
        [problem] = await user.send("\n".join(lines))
        assert "现场监督检查企业数（1300）不能大于监管企业总数（1200）" in problem.text
        assert "还缺" not in problem.text
        assert "请更正后重新发送这几项：现场监督检查企业数（项目名称、冒号、数字）。" in problem.text


async def test_the_check_view_puts_a_full_width_colon_after_who_wrote(start_bot):
    async with start_bot() as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        services = services_of(sim)
        async with services.db.unit_of_work(tips=services.tips) as uow:
            await uow.tips.add_message(receipt.number, "office", "question", "储罐在哪？", services.clock().date())
        [view] = await check(user, receipt)
        assert "办理人员的提问：\n储罐在哪？" in view.text and "提问:" not in view.text


# -- the catalogue's Chinese, as typeset ---------------------------------------------------------

#: What may hold an ASCII colon or quote inside Chinese text: placeholders and their format specs,
#: times (08:30), web addresses and commands.
_ALLOWED = re.compile(r"\{[^{}]*\}|\b\d{1,2}:\d{2}\b|https?://\S+|/[a-z_]+\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _zh_texts() -> list[tuple[str, str]]:
    """(where, text) of every Chinese text a user reads: the catalogue and the domain vocabulary."""
    with open(catalogue_path("zh"), "rb") as fh:
        catalogue = read_po(fh)
    texts = [
        (repr(m.id), text)
        for m in catalogue
        if m.id
        for text in (m.string if isinstance(m.string, tuple) else (m.string,))
    ]
    vocabulary = (*taxonomy.KINDS, *taxonomy.ILLEGAL_SUBTYPES, *taxonomy.INDUSTRIES, *taxonomy.PROBLEM_CLASSES,
                  *taxonomy.OUTCOMES, *taxonomy.MEASURES, *taxonomy.REVIEW_RESULTS)  # fmt: skip
    return texts + [(f"taxonomy {t.code}", t.zh) for t in vocabulary]


def test_chinese_texts_use_full_width_colons_and_quotes():
    wrong = [
        (where, text) for where, text in _zh_texts() if _CJK.search(text) and re.search(r'[:"]', _ALLOWED.sub("", text))
    ]
    assert wrong == []


#: A number (or a count's placeholder) beside a Chinese character. House style: a space between,
#: as in "第 1 步 / 共 9 步" and "3 个单位"; document numbers such as 〔2020〕69号 are written as issued.
_COUNT = (
    r"(?:\d+|\{(?:count|n|days|total|limit|sent|units|version|left|length|max|min|hours|step|index|low|high|"
    r"maximum|draft_days|objection_days)\})"
)
_NUMBER_BESIDE_CJK = re.compile(rf"[\u4e00-\u9fff]{_COUNT}|{_COUNT}[\u4e00-\u9fff]")
_AS_ISSUED = re.compile(r"〔\d{4}〕\d+号|第[一二三四五六七八九十百]+条|\d{4}年|\d+月|\d+日")


def test_numbers_and_chinese_are_set_apart_by_a_space_everywhere():
    crowded = [
        (where, hit.group())
        for where, text in _zh_texts()
        for hit in _NUMBER_BESIDE_CJK.finditer(_AS_ISSUED.sub(" ", text))
    ]
    assert crowded == []


#: A month or a quarter ({month} is 2026年10月, {quarter} 2026年第三季度) begins with a number: a space
#: sets it apart from a Chinese word or a name before it ("补报 {month}", "{unit} {month}").
_PERIOD_AFTER_A_WORD = re.compile(r"(?:[\u4e00-\u9fff]|\})\{(?:month|quarter|period)\}")


def test_a_month_is_set_apart_from_the_word_before_it():
    crowded = [(where, hit.group()) for where, text in _zh_texts() for hit in _PERIOD_AFTER_A_WORD.finditer(text)]
    assert crowded == []


async def test_late_figures_are_not_called_by_the_accident_term(start_bot, monkeypatch):
    """迟报 is the legal term for a late accident report; a unit's late figures are 逾期报送."""
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 4, 8, 0))
        unit = await office_with_unit(sim)
        user = sim.user(LIAISON)
        await user.send("/start")
        await user.tap("menu:liaison")
        await user.tap(f"lf:text:{unit.id}:2026-10")
        await user.send("\n".join(f"{c.name}：{10 if c.code == 'enterprises' else 0}" for c in TEMPLATE_A.typed))
        [stored, *_] = await user.tap("lv:send")
        assert "本次为逾期报送：报送截止日期为 2026-11-03。" in stored.text and "迟报" not in stored.text
        [summary, *_] = await sim.user(ADMIN).send("/monthly 2026-10")
        assert "逾期报送：东平村" in summary.text and "迟报" not in summary.text


# -- English, without Chinese punctuation or raw values ------------------------------------------


async def test_an_english_case_card_lists_problems_with_commas_and_names_the_result(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        services = services_of(sim)
        casework, at = services.casework, services.clock()
        await casework.accept(receipt.number, ADMIN, at)
        found = Verification(
            outcome="true", problems=("worksite", "risk"), measures=("rectify", "fine"), fine_fen=500000
        )
        await casework.verify(receipt.number, ADMIN, found, at)
        officer = sim.user(EMERGENCY)
        await _in_english(officer)
        _officer, card = await open_card(sim, EMERGENCY, receipt.number)
        assert "Work site, Risks and hazards" in card.text and "、" not in card.text
        assert "Substantiated" in card.text and ": True" not in card.text


@pytest.mark.parametrize(("lang", "named"), [("zh", "建筑施工领域专用"), ("en", "For reports on construction")])
def test_a_poster_for_one_industry_names_it_under_the_title(office, lang, named):
    link = "https://t.me/TiplineTestBot?start=report_construction"
    text = poster_text(office, link, lang, None, "construction")
    assert text.scope == named
    assert named in [t.get_text() for t in layout(text).texts]
    assert poster_text(office, "https://t.me/TiplineTestBot?start=report", lang, None).scope is None


def test_english_texts_have_no_chinese_punctuation():
    """Chinese terms may stand in an English text, as (答复) does; Chinese punctuation may not."""
    found = []
    for directory in ("bot", "jobs", "handlers", "core", "storage"):
        for path, line, message, _, _ in extract_from_dir(ROOT / directory, method_map=[("**.py", "python")]):
            for text in message if isinstance(message, tuple) else (message,):
                if re.search(r"[、，：；（）。！？]", text):
                    found.append(f"{directory}/{path}:{line}: {text[:60]}")
    vocabulary = (*taxonomy.KINDS, *taxonomy.ILLEGAL_SUBTYPES, *taxonomy.INDUSTRIES, *taxonomy.PROBLEM_CLASSES,
                  *taxonomy.OUTCOMES, *taxonomy.MEASURES, *taxonomy.REVIEW_RESULTS)  # fmt: skip
    found += [t.en for t in vocabulary if re.search(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]", t.en)]
    assert found == []


async def test_an_english_liaisons_form_has_no_chinese_units(start_bot, monkeypatch):
    async with start_bot() as sim:
        put_clock(sim, monkeypatch, datetime(2026, 11, 1, 10, 0))
        unit = await office_with_unit(sim)
        user = sim.user(LIAISON)
        await _in_english(user)
        await user.tap("menu:liaison")
        [form] = await user.tap(f"lf:text:{unit.id}:2026-10")
        assert "Fines (10,000 yuan): " in form.text
        assert not re.search(r"[\u3000-\u303f\uff00-\uffef]|家|万元", form.text.split("\n", 1)[1])


async def test_an_objection_is_told_the_configured_review_time_in_days(start_bot, office):
    deadlines = office.deadlines.model_copy(update={"review_days": 1})
    async with start_bot(config=office.model_copy(update={"deadlines": deadlines})) as sim:
        user = sim.user(REPORTER)
        receipt = await file_tip(user)
        await work_to(sim, receipt.number, Status.REPLIED)
        await _in_english(user)
        await check(user, receipt)
        await user.tap("check:object")
        [view] = await user.send("Only one of the three tanks was fixed.")
        assert "The office reviews the case within 1 day." in view.text


async def test_about_counts_days_in_english(start_bot, office):
    limits = office.limits.model_copy(update={"draft_days": 1})
    async with start_bot(config=office.model_copy(update={"limits": limits})) as sim:
        user = sim.user(REPORTER)
        await _in_english(user)
        [about] = await user.send("/about")
        assert "destroyed after 1 day without changes. If you asked" in about.text
        assert "object to the reply within 10 days." in about.text


async def test_restore_counts_one_tip_as_one_tip(start_bot, settings, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("TIPLINE_KEYRING", str(settings.keyring_path))
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(settings.data_dir))
    copy = tmp_path / "copy.sqlite3"
    async with start_bot() as sim:
        await file_tip(sim.user(REPORTER))
        assert await asyncio.to_thread(cli.main, ["backup", str(copy)]) == 0
    monkeypatch.setenv("TIPLINE_DATA_DIR", str(tmp_path / "restored"))
    capsys.readouterr()
    assert await asyncio.to_thread(cli.main, ["restore", str(copy)]) == 0
    assert ": 1 tip, each opened" in capsys.readouterr().out


async def test_stats_by_month_name_the_month_in_chinese_without_an_ascii_colon(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        await file_tip(sim.user(REPORTER))
        today = services_of(sim).clock().date()
        [text, *_] = await sim.user(ADMIN).send(f"/stats {today.year}")
        assert f"{today.month}月 1" in text.text and f"{today.month:02d}: 1" not in text.text


async def test_a_form_that_sends_nothing_asks_to_submit_not_to_send(start_bot):
    async with start_bot() as sim:
        await add_staff(sim)
        receipt = await file_tip(sim.user(REPORTER))
        await work_to(sim, receipt.number, Status.ACCEPTED)
        officer, _card = await open_card(sim, EMERGENCY, receipt.number)
        await officer.tap(f"form:verify:{receipt.number}")
        [summary] = await officer.tap("fv:0:false")
        assert "确认提交吗？" in summary.text and "发送" not in summary.text
        await officer.tap("fv:cancel")
        await officer.tap(f"form:ask:{receipt.number}")
        [question] = await officer.send("储罐离围墙多远？")
        assert "确认发送吗？" in question.text  # this one is sent to the reporter


def test_the_identity_step_says_truly_who_may_see_a_name():
    """Reward officers never see an identity (only payee details): the promise names the approved request only."""
    from handlers.i18n import translator
    from handlers.report.questions import _identity

    zh, en = _identity(translator("zh"), {}), _identity(translator("en"), {})
    assert "只有经管理员批准查阅的工作人员才能看到" in zh and "奖励兑现" not in zh
    assert "request to see them an admin approved" in en and "pays rewards" not in en


def test_the_first_screen_names_the_offices_own_deadlines():
    """An office that verifies within 30 days says 30, not the default's 60."""
    from core.casework import Deadlines
    from core.office import OfficeConfig
    from handlers.i18n import translator
    from handlers.report.questions import question
    from handlers.state import ReportDraft

    office = OfficeConfig(deadlines=Deadlines(accept_days=3, verify_days=30))
    zh, _ = question("intro", ReportDraft(), office, translator("zh"), "zh")
    en, _ = question("intro", ReportDraft(), office, translator("en"), "en")
    assert "在 3 日内决定是否受理" in zh and "一般在 30 日内" in zh
    assert "within 3 days whether to accept" in en and "usually within 30 days" in en
