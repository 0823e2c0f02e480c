"""The office's recovery key as `keys init` and `keys migrate` show it: printed once, to a person at a
terminal only (printed into a service's log it would sit on the server's disk beside the key ring, which
is what it opens), never stored."""

from __future__ import annotations

import argparse
import sys

#: What `keys init` prints once: the office's recovery key, which nothing stores.
RECOVERY_WORDS = """
The office's RECOVERY KEY, shown this once and stored nowhere (恢复密钥，只显示这一次):

    {words}

Write these 24 words on paper and keep them in the office's safe (写在纸上，存放在保险柜中). Tips are
sealed to the office's people, not to this server: after the first admin has set a passphrase in the
bot (/passphrase), run `python -m bot keys recover ADMIN_ID` and type these words, to give that admin
the office's keys. They also restore access if every admin has lost their passphrase."""


def words_may_show(args: argparse.Namespace) -> bool:
    """The recovery words are printed only to a person at a terminal (or with --show-words): printed into
    a service's log, they would sit on the server's disk beside the key ring, which is what they open."""
    return bool(getattr(args, "show_words", False)) or sys.stdout.isatty()


#: `keys init` with no terminal: no recovery key, so no words to print into a log.
NO_TERMINAL = (
    "No terminal to show the office's recovery key to (its 24 words would have gone into a log on this server), "
    "so the key ring was made without one: tips are sealed under the key ring until `python -m bot keys migrate` "
    "is run at a terminal, with the bot stopped, to make the recovery key and seal them to the office's people."
)
