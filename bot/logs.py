"""Logging set-up. Our own log lines carry event names and record ids, never text or identities.

Libraries are held at WARNING whatever TIPLINE_LOG_LEVEL says: python-telegram-bot logs every
Bot API call with its parameters (chat ids, message texts) at DEBUG, and httpx logs request URLs,
which contain the bot token, at INFO.
"""

from __future__ import annotations

import logging

QUIET_LOGGERS = ("telegram", "httpx", "httpcore", "apscheduler", "aiosqlite", "asyncio")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
