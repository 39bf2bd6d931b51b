"""What the chat answers about broadcasts (opting out and back in, an answer received), Russian first.

A bot may word these in its catalogs under ``broadcast_notices``; a bot that lacks a text gets the
default below.
"""

from __future__ import annotations

from collections.abc import Mapping

from bots.pipeline.runtime import BotRuntime

SECTION = "broadcast_notices"

DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "ru": {
        "opted_out": "Готово: рассылки больше не придут. Если передумаете, напишите «подписаться». "
        "На ваши обращения мы по-прежнему отвечаем здесь.",
        "opted_in": "Вы снова подписаны на рассылки. Отписаться можно в любой момент словом «стоп».",
        "answered": "Спасибо, ответ получен. Если захотите что-то добавить, просто напишите сюда.",
        "unsubscribe": "Отписаться",
    },
    "en": {
        "opted_out": "Done: you will not get our broadcasts any more. If you change your mind, write "
        "«subscribe». We still answer your requests here.",
        "opted_in": "You are subscribed to our broadcasts again. Write «stop» to opt out at any time.",
        "answered": "Thank you, we have your answer. If you want to add anything, just write here.",
        "unsubscribe": "Unsubscribe",
    },
}


def broadcast_text(runtime: BotRuntime | None, locale: str, key: str) -> str:
    language = locale if locale in DEFAULTS else "ru"
    found = None
    if runtime is not None:
        compiled = runtime.compiled
        found = compiled.catalog(compiled.resolve_locale(language)).lookup(f"{SECTION}.{key}")
    return found or DEFAULTS[language][key]
