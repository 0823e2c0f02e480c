"""The context every handler and job receives: python-telegram-bot's CallbackContext with Tipline's
services, the chat's language and translator, and the office's clock as properties.

Registered once, in bot/app.py (`ContextTypes(context=Context)`), so `context.services`,
`context.lang`, `context.tr`, `context.now` and `context.today` mean the same in every callback."""

from __future__ import annotations

from datetime import date, datetime

from telegram.ext import Application, CallbackContext, ExtBot

from handlers.common import AppServices
from handlers.i18n import LANGUAGES, Translate, translator


def app_services(app: Application) -> AppServices:
    """The services where a callback has the Application only (jobs, notices, start-up)."""
    return app.bot_data["services"]


class Context(CallbackContext[ExtBot, dict, dict, dict]):
    @property
    def services(self) -> AppServices:
        return app_services(self.application)

    @property
    def lang(self) -> str:
        """The chat's chosen language, else the office's (TIPLINE_LANGUAGE)."""
        chosen = self.chat_data.get("lang") if self.chat_data is not None else None
        return language_of(chosen, self.services.language)

    @property
    def tr(self) -> Translate:
        return translator(self.lang)

    @property
    def now(self) -> datetime:
        """The office's local time (TIPLINE_TIMEZONE); tests move it with `Services.clock`."""
        return self.services.clock()

    @property
    def today(self) -> date:
        return self.now.date()


async def language_for(app: Application, chat_id: int) -> str:
    """The language of a chat other than the update's (notices, jobs): its choice in memory, else in
    the database (a chat not seen since start-up), else the office's (TIPLINE_LANGUAGE)."""
    services = app_services(app)
    chosen = app.chat_data.get(chat_id, {}).get("lang") or await services.state.language(chat_id)
    return language_of(chosen, services.language)


def language_of(chosen: str | None, default: str) -> str:
    """The language a chat chose, if it is one of ours, else the office's (also for a chat other
    than the update's: handlers.notify)."""
    return chosen if chosen in LANGUAGES else default
