"""The WhatsApp template a broadcast names, checked against what the audience's bots declare.

A template reaches a client outside WhatsApp's 24-hour window only if the bot declares it: a key no bot
declares, or one a bot of the audience lacks, would leave those clients without the message, so the
broadcast is refused when it is made rather than failing client by client while it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from handoff.console.errors import ConsoleError

BotTemplates = Mapping[str, Mapping[str, int]]
"""Per bot with a channel that sends templates: each declared key and how many parameters it takes."""


def check_template(templates: BotTemplates, bots: Sequence[str], key: str, params: Sequence[str]) -> None:
    """Raises a 422 ``unknown_template`` (or ``template_params``) naming what is wrong; ``bots`` are the
    audience's (every bot when it names none)."""
    sending = [bot for bot in (bots or sorted(templates)) if bot in templates]
    lacking = [bot for bot in sending if key not in templates[bot]]
    if not sending or lacking:
        declared = sorted({name for bot in sending for name in templates[bot]})
        where = ", ".join(lacking) if lacking else "the audience's bots"
        raise ConsoleError(
            422,
            "unknown_template",
            f"No WhatsApp template '{key}' is declared for {where}; declared: "
            f"{', '.join(declared) or 'none'}.",
            field="template_key",
        )
    for bot in sending:
        wanted = templates[bot][key]
        if wanted != len(params):
            raise ConsoleError(
                422,
                "template_params",
                f"The template '{key}' of {bot} takes {wanted} parameters, {len(params)} given.",
                field="template_params",
            )
