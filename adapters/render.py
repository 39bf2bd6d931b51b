"""One renderer for every channel: fits a channel-free :class:`Reply` into a channel's limits.

Text longer than the channel allows is split at paragraph, line or word boundaries. Buttons
become inline buttons, a platform list, or a numbered list in the text, whichever the channel
can carry; payloads too long for the wire are replaced by short server-side tokens.

An attachment is always a message of its own; its caption is in ``attachment.caption`` and
its ``text`` is empty. The controls of a reply (buttons, contact request, keyboard removal)
ride on the last text message, or on the attachment when the reply has no text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

from adapters.types import (
    Attachment,
    AttachmentKind,
    Button,
    Capabilities,
    Outbound,
    RenderedButton,
    RenderedMessage,
)

Shorten = Callable[[str], Awaitable[str]]
Layout = Literal["none", "buttons", "list"]

ELLIPSIS = "…"

_FALLBACK_KIND: dict[AttachmentKind, tuple[AttachmentKind, ...]] = {
    AttachmentKind.VOICE: (AttachmentKind.AUDIO, AttachmentKind.DOCUMENT),
    AttachmentKind.AUDIO: (AttachmentKind.DOCUMENT,),
    AttachmentKind.IMAGE: (AttachmentKind.DOCUMENT,),
    AttachmentKind.DOCUMENT: (),
}


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, marked with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    return text[: limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Chunks of at most ``limit`` characters, cut at the best boundary available.

    A paragraph or line break is preferred when it keeps the chunk at least half full;
    otherwise the last space; a hard cut only inside a single over-long word.
    """
    if limit <= 0:
        raise ValueError("limit must be positive")
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        position = _cut_position(rest, limit)
        chunks.append(rest[:position].rstrip())
        rest = rest[position:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _cut_position(text: str, limit: int) -> int:
    for separator, earliest in (("\n\n", limit // 2), ("\n", limit // 2), (" ", 1)):
        position = text.rfind(separator, 0, limit + len(separator))
        if position >= max(earliest, 1):
            return position
    return limit


def numbered_choices(buttons: Sequence[Button]) -> str:
    """The text form of buttons when a channel cannot show them; a typed number selects one."""
    return "\n".join(f"{number}. {button.title}" for number, button in enumerate(buttons, start=1))


def choose_layout(count: int, caps: Capabilities) -> Layout:
    if count == 0:
        return "none"
    if caps.max_quick_buttons > 0 and count <= caps.max_quick_buttons:
        return "buttons"
    if caps.supports_list and count <= caps.list_max_rows:
        return "list"
    if count <= caps.max_buttons:
        return "buttons"
    return "none"


async def render(outbound: Outbound, caps: Capabilities, shorten: Shorten) -> list[RenderedMessage]:
    """The platform messages that carry ``outbound`` on a channel with ``caps``, in order."""
    reply = outbound.reply
    layout = choose_layout(len(reply.buttons), caps)
    buttons = await _render_buttons(reply.buttons, layout, caps, shorten)
    text = reply.text.strip()
    if layout == "none" and reply.buttons:
        text = "\n\n".join(part for part in (text, numbered_choices(reply.buttons)) if part)
    request_contact = reply.request_contact if caps.supports_contact_request else None

    drafts = [_Draft(text=chunk) for chunk in split_text(text, caps.max_text_length)]
    if reply.attachment is not None:
        attachment = _fit_attachment(reply.attachment, caps)
        caption = (attachment.caption or "").strip()
        fits = len(text) <= caps.max_caption_length
        if text and not caption and fits and not buttons and request_contact is None:
            caption, drafts = text, []
        drafts.append(
            _Draft(
                attachment=attachment.model_copy(
                    update={"caption": cut(caption, caps.max_caption_length) or None}
                )
            )
        )
    if not drafts:
        if request_contact is None:
            return []
        drafts.append(_Draft(text=request_contact))

    controls = _controls_index(drafts)
    drafts[controls].buttons = buttons
    if request_contact is not None and buttons:
        drafts.append(_Draft(text=request_contact, request_contact=request_contact))
    elif request_contact is not None:
        drafts[controls].request_contact = request_contact
    else:
        drafts[controls].remove_keyboard = reply.remove_keyboard

    return [
        RenderedMessage(
            conversation=outbound.conversation,
            text=draft.text,
            attachment=draft.attachment,
            layout=layout if draft.buttons else "none",
            buttons=draft.buttons,
            list_title=outbound.reply.choices_label if layout == "list" and draft.buttons else None,
            request_contact=draft.request_contact,
            remove_keyboard=draft.remove_keyboard,
            idempotency_key=f"{outbound.id}:{index}",
        )
        for index, draft in enumerate(drafts)
    ]


class _Draft:
    """One message being assembled before it becomes an immutable :class:`RenderedMessage`."""

    def __init__(
        self, text: str = "", attachment: Attachment | None = None, request_contact: str | None = None
    ) -> None:
        self.text = text
        self.attachment = attachment
        self.buttons: tuple[RenderedButton, ...] = ()
        self.request_contact = request_contact
        self.remove_keyboard = False


def _controls_index(drafts: Sequence[_Draft]) -> int:
    """The last text message, or the attachment when there is no text."""
    text_indexes = [index for index, draft in enumerate(drafts) if draft.attachment is None]
    return text_indexes[-1] if text_indexes else len(drafts) - 1


async def _render_buttons(
    buttons: Sequence[Button], layout: Layout, caps: Capabilities, shorten: Shorten
) -> tuple[RenderedButton, ...]:
    if layout == "none":
        return ()
    rendered: list[RenderedButton] = []
    for button in buttons:
        payload = button.payload
        if len(payload.encode()) > caps.max_payload_bytes:
            payload = await shorten(payload)
        if layout == "list":
            description = cut(button.description, caps.list_row_description) if button.description else None
            rendered.append(
                RenderedButton(
                    title=cut(button.title, caps.list_row_title),
                    payload=payload,
                    description=description or None,
                )
            )
        else:
            rendered.append(RenderedButton(title=cut(button.title, caps.max_button_title), payload=payload))
    return tuple(rendered)


def _fit_attachment(attachment: Attachment, caps: Capabilities) -> Attachment:
    if attachment.kind in caps.media:
        return attachment
    for kind in _FALLBACK_KIND[attachment.kind]:
        if kind in caps.media:
            return attachment.model_copy(update={"kind": kind})
    raise ValueError(f"the channel cannot carry a {attachment.kind.value} attachment")
