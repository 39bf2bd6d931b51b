"""What people's side tells the client (queue, wait, after hours, joined, closed, rating), Russian first.

Each bot may word these in its catalogs under ``handoff_notices``; a bot that lacks a text gets the
default below. Texts are ``str.format`` templates; a missing parameter stays as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

SECTION = "handoff_notices"

DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "ru": {
        "intro_asked": "Передаём ваш вопрос специалисту.",
        "intro_not_understood": "Кажется, я не могу помочь вам сам — подключаю специалиста.",
        "intro_emergency": "Срочный вопрос — передаём его дежурному юристу в первую очередь.",
        "intro_repeat_contact": "Вы недавно говорили со специалистом — соединяем вас с ним, "
        "если он на связи.",
        "intro_always_human": "Соединяем вас со специалистом.",
        "position": "Ваше место в очереди: {position}. Ожидание — {wait}. "
        "Пока ждёте, можно написать подробности: специалист увидит всю переписку.",
        "position_update": "Очередь движется: ваше место — {position}, ожидание — {wait}.",
        "position_no_estimate": "Ваше место в очереди: {position}. Специалист ответит здесь же, в этом чате, "
        "как только освободится. Пока ждёте, можно написать подробности: он увидит всю переписку.",
        "position_update_no_estimate": "Очередь движется: ваше место — {position}.",
        "wait_minutes": "около {minutes} {unit}",
        "after_hours": "Сейчас специалисты не на связи. Ответим {when}. Ваш вопрос записан как обращение "
        "№{number} и не потеряется; всё, что вы напишете здесь, специалист прочитает.",
        "joined": "Специалист {name} подключился к чату и видит всю переписку.",
        "transferred": "Передаём разговор коллеге, который лучше разбирается в вашем вопросе. "
        "Переписка сохранится, повторять ничего не нужно.",
        "closed": "Специалист завершил разговор. Если появятся вопросы, пишите сюда: бот на связи, "
        "а меню откроется по слову «меню».",
        "rate": "Оцените, пожалуйста, как вам помогли: 1 — плохо, 5 — отлично.",
        "rate_label": "Оценить",
        "rated": "Спасибо за оценку!",
        "rated_low": "Спасибо за честную оценку. Мы разберёмся, что пошло не так, и свяжемся с вами.",
        "already_rated": "Вы уже оценили этот разговор — спасибо!",
        "rate_answer_reminder": "Юрист ответил на ваше обращение. Оцените, пожалуйста, его ответ: "
        "1 — плохо, 5 — отлично. Ваша оценка помогает нам работать лучше.",
        "already_rated_answer": "Вы уже оценили этот ответ — спасибо!",
        "rate_refund": "Мы рассмотрели вашу заявку на возврат №{number}. Оцените, пожалуйста, "
        "как мы с ней справились: 1 — плохо, 5 — отлично.",
        "rate_refund_reminder": "Напоминаем: будем благодарны, если вы оцените, как мы рассмотрели "
        "вашу заявку на возврат. 1 — плохо, 5 — отлично.",
        "rate_reminder": "Напоминаем: будем благодарны за оценку разговора со специалистом. "
        "Это займёт секунду: 1 — плохо, 5 — отлично.",
        "rate_again_csat": "Оценка — число от 1 до 5. Выберите, пожалуйста, одну из кнопок "
        "или напишите цифру.",
        "rate_again_ces": "Оценка — число от 1 до 7. Выберите, пожалуйста, одну из кнопок "
        "или напишите цифру.",
        "rate_again_nps": "Оценка — число от 0 до 10. Выберите, пожалуйста, одну из кнопок "
        "или напишите число.",
        "ces": "И ещё один вопрос: насколько легко было решить ваш вопрос? "
        "1 — очень трудно, 7 — очень легко.",
        "ces_label": "Насколько легко",
        "nps": "Насколько вероятно, что вы порекомендуете нас друзьям или коллегам? "
        "0 — точно нет, 10 — обязательно порекомендую.",
        "nps_label": "Порекомендуете ли нас",
        "thanks_final": "Спасибо! Если хотите что-то добавить, просто напишите — мы прочитаем.",
        "thanks_final_low": "Спасибо за откровенность. Руководитель свяжется с вами в течение рабочего дня; "
        "если хотите, напишите, что пошло не так, — мы прочитаем до звонка.",
        "comment_saved": "Спасибо, ваш комментарий передан руководителю.",
        "no_more_button": "Не спрашивать",
        "opted_out": "Хорошо, больше не будем просить вас об оценке. "
        "Если передумаете, напишите «спрашивать оценку».",
        "opted_in": "Хорошо, снова будем иногда спрашивать, как мы вам помогли.",
        "when_today": "сегодня в {time}",
        "when_tomorrow": "завтра в {time}",
        "when_date": "{day} {month} в {time}",
        "zone": "по московскому времени",
    },
    "en": {
        "intro_asked": "We are passing your question to a specialist.",
        "intro_not_understood": "It seems I cannot help you myself, so I am bringing in a specialist.",
        "intro_emergency": "An urgent question: it goes to the lawyer on duty first.",
        "intro_repeat_contact": "You spoke to a specialist recently: we are connecting you to them "
        "if they are available.",
        "intro_always_human": "We are connecting you to a specialist.",
        "position": "Your place in the queue: {position}. Waiting time: {wait}. "
        "While you wait, feel free to add details: the specialist will see the whole conversation.",
        "position_update": "The queue is moving: your place is {position}, waiting time {wait}.",
        "position_no_estimate": "Your place in the queue: {position}. A specialist will answer right here, "
        "in this chat, as soon as they are free. While you wait, feel free to add details: they will see "
        "the whole conversation.",
        "position_update_no_estimate": "The queue is moving: your place is {position}.",
        "wait_minutes": "about {minutes} {unit}",
        "after_hours": "Our specialists are not available right now. We will answer {when}. Your question "
        "is filed as request No. {number} and will not get lost; the specialist will read everything "
        "you write here.",
        "joined": "{name}, a specialist, has joined the chat and sees the whole conversation.",
        "transferred": "We are passing the conversation to a colleague who knows your question better. "
        "The conversation is kept: no need to repeat anything.",
        "closed": "The specialist has ended the conversation. If you have more questions, write here: "
        "the bot is here, and «menu» opens the menu.",
        "rate": "Please rate the help you got: 1 is poor, 5 is excellent.",
        "rate_label": "Rate",
        "rated": "Thank you for your rating!",
        "rated_low": "Thank you for your honest rating. We will look into what went wrong "
        "and get back to you.",
        "already_rated": "You have rated this conversation already. Thank you!",
        "rate_answer_reminder": "A lawyer has answered your request. Please rate the answer: "
        "1 is poor, 5 is excellent. Your rating helps us do better.",
        "already_rated_answer": "You have rated this answer already. Thank you!",
        "rate_refund": "We have decided on your refund application No. {number}. Please rate how we "
        "handled it: 1 is poor, 5 is excellent.",
        "rate_refund_reminder": "A gentle reminder: we would be grateful if you rated how we handled "
        "your refund application. 1 is poor, 5 is excellent.",
        "rate_reminder": "A gentle reminder: we would be grateful if you rated the conversation "
        "with our specialist. It takes a second: 1 is poor, 5 is excellent.",
        "rate_again_csat": "The rating is a number from 1 to 5. Please choose a button or type a digit.",
        "rate_again_ces": "The rating is a number from 1 to 7. Please choose a button or type a digit.",
        "rate_again_nps": "The rating is a number from 0 to 10. Please choose a button or type a number.",
        "ces": "One more question: how easy was it to get your question solved? "
        "1 is very hard, 7 is very easy.",
        "ces_label": "How easy",
        "nps": "How likely are you to recommend us to a friend or colleague? "
        "0 is not at all, 10 is definitely.",
        "nps_label": "Would you recommend us",
        "thanks_final": "Thank you! If you would like to add anything, just write: we will read it.",
        "thanks_final_low": "Thank you for being frank. A manager will contact you within a business day; "
        "if you like, write what went wrong and we will read it before the call.",
        "comment_saved": "Thank you, your comment has been passed to a manager.",
        "no_more_button": "Don't ask me",
        "opted_out": "All right, we will not ask you for ratings any more. If you change your mind, "
        "write «ask for ratings».",
        "opted_in": "All right, we will ask now and then how we helped you.",
        "when_today": "today at {time}",
        "when_tomorrow": "tomorrow at {time}",
        "when_date": "on {day} {month} at {time}",
        "zone": "Moscow time",
    },
}

MONTHS = {
    "ru": (
        "января",
        "февраля",
        "марта",
        "апреля",
        "мая",
        "июня",
        "июля",
        "августа",
        "сентября",
        "октября",
        "ноября",
        "декабря",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


class Catalogs(Protocol):
    """A bot's own wording of a text (``handoff_notices.<key>``) in a locale, if it has one."""

    def lookup(self, bot: str, locale: str, key: str) -> str | None: ...


class _Keep(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Texts:
    def __init__(self, catalogs: Catalogs | None = None) -> None:
        self._catalogs = catalogs

    def text(self, bot: str, locale: str, key: str, **params: object) -> str:
        language = locale if locale in DEFAULTS else "ru"
        found = self._catalogs.lookup(bot, language, f"{SECTION}.{key}") if self._catalogs else None
        template = found or DEFAULTS[language].get(key) or DEFAULTS["ru"][key]
        return template.format_map(_Keep(params))

    def wait(self, bot: str, locale: str, seconds: float) -> str:
        minutes = max(1, round(seconds / 60))
        return self.text(bot, locale, "wait_minutes", minutes=minutes, unit=minutes_unit(locale, minutes))

    def when(self, bot: str, locale: str, opening: datetime, now: datetime, zone: tzinfo) -> str:
        """``сегодня в 09:00 по московскому времени``, ``завтра в …``, ``5 января в …``."""
        local, today = opening.astimezone(zone), now.astimezone(zone).date()
        clock = local.strftime("%H:%M")
        language = locale if locale in MONTHS else "ru"
        if local.date() == today:
            said = self.text(bot, locale, "when_today", time=clock)
        elif local.date() == today + timedelta(days=1):
            said = self.text(bot, locale, "when_tomorrow", time=clock)
        else:
            month = MONTHS[language][local.month - 1]
            said = self.text(bot, locale, "when_date", day=local.day, month=month, time=clock)
        return f"{said} {self.text(bot, locale, 'zone')}"


def minutes_unit(locale: str, minutes: int) -> str:
    """The word for minutes after «около» (genitive) or «about»."""
    if locale == "en":
        return "minute" if minutes == 1 else "minutes"
    return "минуты" if minutes % 10 == 1 and minutes % 100 != 11 else "минут"
