"""The review (复查) entry of the dialogue: stored as the result's code and the opinion, shown with
its headings in the reader's language; entries stored by older versions are shown as they were."""

from __future__ import annotations

from datetime import date

import pytest

from core.casework import review_entry
from core.tips import TipMessage
from handlers.check_view import message_text
from handlers.i18n import translator


def _entry(text: str) -> TipMessage:
    return TipMessage(on=date(2026, 11, 30), sender="office", kind="review", text=text)


@pytest.mark.parametrize(
    ("lang", "shown"),
    [("zh", "复查结论：变更原答复\n复查意见：另两个储罐一并整改"),
     ("en", "Conclusion: The reply is changed\nOpinion: 另两个储罐一并整改")],
)  # fmt: skip
def test_a_review_is_read_with_headings_in_the_readers_language(lang, shown):
    stored = review_entry("changed", "另两个储罐一并整改")
    assert "复查" not in stored  # no display text in the row
    assert message_text(_entry(stored), translator(lang), lang) == shown


def test_a_review_stored_by_an_older_version_is_shown_whole():
    old = "复查结论：维持原答复\n复查意见：原答复无误"
    for lang in ("zh", "en"):
        assert message_text(_entry(old), translator(lang), lang) == old


def test_an_opinion_that_starts_like_a_code_on_its_own_line_is_kept_word_for_word():
    stored = review_entry("upheld", "changed\n第二行")
    assert message_text(_entry(stored), translator("zh"), "zh") == "复查结论：维持原答复\n复查意见：changed\n第二行"
