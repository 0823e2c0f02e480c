"""The daily bytes cap as a pure rule (core.uploads): a file fits while the day's total stays within the cap;
a file of unknown size counts as the most the bot can download."""

from core.media import DOWNLOAD_LIMIT
from core.uploads import fits_daily_bytes


def test_a_file_fits_up_to_the_cap_and_not_a_byte_more():
    assert fits_daily_bytes(used=0, declared=100, cap=100)
    assert fits_daily_bytes(used=60, declared=40, cap=100)
    assert not fits_daily_bytes(used=61, declared=40, cap=100)


def test_a_file_without_a_declared_size_counts_as_the_download_limit():
    assert fits_daily_bytes(used=0, declared=None, cap=DOWNLOAD_LIMIT)
    assert not fits_daily_bytes(used=1, declared=None, cap=DOWNLOAD_LIMIT)
