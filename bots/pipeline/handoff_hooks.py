"""What the inbox tells handoff about an event, judged against the bot's dialog: is it free text the
client typed (not a command, a button or an answer the bot asked for), and has the bot failed to
understand the client too many times in a row."""

from __future__ import annotations

from adapters.types import Body, FileBody, TextBody
from dialogs.compiler import normalize_phrase
from dialogs.model import Ask, CompiledBot
from dialogs.session import SessionState
from dialogs.turn import HandoffRequest, TurnResult

NOT_UNDERSTOOD_LIMIT = 3
NOT_UNDERSTOOD_SETTING = "handoff_after_not_understood"


def is_free_text(bot: CompiledBot, session: SessionState | None, body: Body) -> bool:
    if isinstance(body, FileBody):
        return not _answers_a_question(bot, session)
    if not isinstance(body, TextBody):
        return False
    phrase = normalize_phrase(body.text)
    if phrase.startswith("/") or any(phrase in trigger.phrases for trigger in bot.triggers):
        return False
    return not _answers_a_question(bot, session)


def _answers_a_question(bot: CompiledBot, session: SessionState | None) -> bool:
    """The bot waits for a typed answer (``expect`` set), so the text is that answer."""
    waiting = session.waiting if session is not None else None
    if waiting is None:
        return False
    flow = bot.flows.get(waiting.flow)
    step = flow.steps[waiting.step] if flow is not None and waiting.step < len(flow.steps) else None
    return isinstance(step, Ask) and step.expect is not None


def not_understood_handoff(bot: CompiledBot, result: TurnResult) -> HandoffRequest | None:
    """Every Nth turn in a row the bot did not understand (``handoff_after_not_understood``, 3) hands off."""
    limit = bot.settings.get(NOT_UNDERSTOOD_SETTING, NOT_UNDERSTOOD_LIMIT)
    if not isinstance(limit, int) or limit < 1 or result.not_understood == 0 or result.not_understood % limit:
        return None
    queues = bot.settings.get("handoff_queues")
    queue = str(queues[0]) if isinstance(queues, list) and queues else "first_line"
    return HandoffRequest(queue=queue, reason="not_understood")
