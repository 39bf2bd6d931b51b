"""One renderer for every channel: fits channel-free replies into a channel's declared limits.

This is the only place where text is split or shortened. Text longer than the channel allows is
split at paragraph, line or word boundaries; a title too long for its slot is shortened at a
word, and its full text stays visible (a list row's description, or the numbered choices in the
message). Buttons become inline buttons, a platform list, or numbered choices in the text,
whichever carries their meaning; payloads too long for the wire are replaced by short
server-side tokens.

An attachment is always a message of its own; its caption is in ``attachment.caption`` and
its ``text`` is empty. The controls of a reply (buttons, contact request, keyboard removal)
ride on the last text message, or on the attachment when the reply has no text; on a channel
whose keyboard belongs to the conversation they ride on the reply's very last message, and
:func:`fit_turn` gathers a whole turn's choices onto its last reply. A hint about how to choose
(``Reply.numbered_text``) is worded by :func:`fit_turn` too: it alone sees whether the choices after
the hint come as buttons or as numbers; so is a text that names the share-phone button
(``Reply.typed_contact_text``), where the channel has none and the client types the number.
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
    Reply,
)

Shorten = Callable[[str], Awaitable[str]]
Layout = Literal["none", "buttons", "list"]

ELLIPSIS = "…"
ROW_SEPARATOR = " · "

_FALLBACK_KIND: dict[AttachmentKind, tuple[AttachmentKind, ...]] = {
    AttachmentKind.VOICE: (AttachmentKind.AUDIO, AttachmentKind.DOCUMENT),
    AttachmentKind.AUDIO: (AttachmentKind.DOCUMENT,),
    AttachmentKind.IMAGE: (AttachmentKind.DOCUMENT,),
    AttachmentKind.DOCUMENT: (),
}


def cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters at a word boundary, marked with an ellipsis.

    A single word longer than the limit is the one thing cut inside.
    """
    text = text.strip()
    if len(text) <= limit:
        return text
    if limit <= len(ELLIPSIS):
        return text[:limit]
    room = limit - len(ELLIPSIS)
    boundary = text.rfind(" ", 0, room + 1)
    head = text[:boundary] if boundary > 0 else text[:room]
    return head.rstrip(" ·,;:—-") + ELLIPSIS


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


def choose_layout(buttons: Sequence[Button], caps: Capabilities) -> Layout:
    """The presentation that keeps every choice's meaning on this channel.

    Quick reply buttons only when each title fits whole; else a platform list, whose rows show
    a short title and the full text in their description; else buttons (titles shortened at a
    word); else numbered choices in the text.
    """
    count = len(buttons)
    if count == 0:
        return "none"
    titles_fit = all(len(button.title.strip()) <= caps.max_button_title for button in buttons)
    if caps.max_quick_buttons > 0 and count <= caps.max_quick_buttons and titles_fit:
        return "buttons"
    if caps.supports_list and count <= caps.list_max_rows:
        readable = all(len(button.title.strip()) <= caps.list_row_description for button in buttons)
        return "list" if readable else "none"
    if count <= caps.max_buttons:
        return "buttons"
    return "none"


def shown_layout(reply: Reply, caps: Capabilities) -> Layout:
    """How ``reply``'s choices reach the client on a channel with ``caps``: "none" is numbered in the text."""
    layout = choose_layout(reply.buttons, caps)
    if layout == "list" and not (reply.choices_label or "").strip():
        return "none"  # a list opens by a labelled button; without a word for it, numbered choices
    return layout


def fit_turn(replies: Sequence[Reply], caps: Capabilities) -> tuple[Reply, ...]:
    """A turn's replies as the channel should get them.

    Replies with choices and no label for them take the turn's label (the ask's «Выбрать»), so a
    list opened by a button never shows a bare symbol. Where the keyboard belongs to the
    conversation (Viber shows the newest message's keyboard only), every choice of the turn moves
    to its last reply, so a list of records and the navigation after it stay on one keyboard.
    A hint about how to choose says to send a number only where the choices after it are numbered,
    and a text names the share-phone button only where the channel has one.
    """
    return _worded_for_contacts(_worded_hints(_gathered(_labelled(replies), caps), caps), caps)


def _labelled(replies: Sequence[Reply]) -> list[Reply]:
    label = next((reply.choices_label for reply in reversed(replies) if reply.choices_label), None)
    return [
        reply.model_copy(update={"choices_label": label})
        if reply.buttons and not reply.choices_label and label
        else reply
        for reply in replies
    ]


def _gathered(labelled: list[Reply], caps: Capabilities) -> list[Reply]:
    if not caps.keyboard_per_conversation or len(labelled) < 2:
        return labelled
    label = next((reply.choices_label for reply in reversed(labelled) if reply.choices_label), None)
    buttons: dict[str, Button] = {}
    request_contact: str | None = None
    for reply in labelled:
        for button in reply.buttons:
            buttons.setdefault(button.payload, button)
        request_contact = reply.request_contact or request_contact
    *earlier, last = labelled
    bare = {"buttons": (), "request_contact": None, "remove_keyboard": False}
    gathered = last.model_copy(
        update={
            "buttons": tuple(buttons.values()),
            "request_contact": request_contact,
            "remove_keyboard": last.remove_keyboard and not buttons and request_contact is None,
            "choices_label": last.choices_label or label,
        }
    )
    return [*(reply.model_copy(update=bare) for reply in earlier), gathered]


def _worded_hints(replies: Sequence[Reply], caps: Capabilities) -> tuple[Reply, ...]:
    """Each reply with a ``numbered_text`` in the words for the choices of the next reply that has any."""
    worded: list[Reply] = []
    for index, reply in enumerate(replies):
        if reply.numbered_text is not None:
            choices = next((later for later in replies[index + 1 :] if later.buttons), None)
            numbered = choices is not None and shown_layout(choices, caps) == "none"
            text = reply.numbered_text if numbered else reply.text
            reply = reply.model_copy(update={"text": text, "numbered_text": None})
        worded.append(reply)
    return tuple(worded)


def _worded_for_contacts(replies: tuple[Reply, ...], caps: Capabilities) -> tuple[Reply, ...]:
    """Each reply with a ``typed_contact_text`` in the words for a channel with or without the button."""
    return tuple(
        reply.model_copy(
            update={
                "text": reply.text if caps.supports_contact_request else reply.typed_contact_text,
                "typed_contact_text": None,
            }
        )
        if reply.typed_contact_text is not None
        else reply
        for reply in replies
    )


async def render(outbound: Outbound, caps: Capabilities, shorten: Shorten) -> list[RenderedMessage]:
    """The platform messages that carry ``outbound`` on a channel with ``caps``, in order."""
    reply = outbound.reply
    layout = shown_layout(reply, caps)
    buttons = await _render_buttons(reply.buttons, layout, caps, shorten)
    text = reply.text.strip()
    if layout == "none" and reply.buttons:
        text = "\n\n".join(part for part in (text, numbered_choices(reply.buttons)) if part)
    request_contact = reply.request_contact if caps.supports_contact_request else None

    drafts = [_Draft(text=chunk) for chunk in _text_chunks(text, caps, with_buttons=bool(buttons))]
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
    contact_hint = (reply.contact_hint or "").strip() or request_contact
    if not drafts:
        if request_contact is None:
            return []
        drafts.append(_Draft(text=contact_hint or ""))

    controls = len(drafts) - 1 if caps.keyboard_per_conversation else _controls_index(drafts)
    drafts[controls].buttons = buttons
    if request_contact is not None and buttons and not caps.keyboard_per_conversation:
        drafts.append(_Draft(text=contact_hint or "", request_contact=request_contact))
    elif request_contact is not None:
        drafts[controls].request_contact = request_contact
    else:
        drafts[controls].remove_keyboard = reply.remove_keyboard

    label = reply.choices_label.strip() if reply.choices_label else None
    if label and caps.list_label_length:
        label = cut(label, caps.list_label_length)
    return [
        RenderedMessage(
            conversation=outbound.conversation,
            text=draft.text,
            attachment=draft.attachment,
            layout=layout if draft.buttons else "none",
            buttons=draft.buttons,
            list_title=label if draft.buttons else None,
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


def _text_chunks(text: str, caps: Capabilities, *, with_buttons: bool) -> list[str]:
    """The text's messages; the last one, which carries the buttons, within what such a message holds."""
    chunks = split_text(text, caps.max_text_length)
    limit = caps.max_text_with_buttons
    if not with_buttons or limit is None or not chunks or len(chunks[-1]) <= limit:
        return chunks
    return [*chunks[:-1], *split_text(chunks[-1], limit)]


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
            title, description = _row(button, caps)
            rendered.append(RenderedButton(title=title, payload=payload, description=description))
        else:
            rendered.append(RenderedButton(title=cut(button.title, caps.max_button_title), payload=payload))
    return tuple(rendered)


def _row(button: Button, caps: Capabilities) -> tuple[str, str | None]:
    """A list row: the title shortened at a word when it must be, with its full text in the
    description (before the button's own description, if there is room)."""
    title = button.title.strip()
    description = (button.description or "").strip()
    if len(title) > caps.list_row_title:
        description = ROW_SEPARATOR.join(part for part in (title, description) if part)
    return cut(title, caps.list_row_title), cut(description, caps.list_row_description) or None


def _fit_attachment(attachment: Attachment, caps: Capabilities) -> Attachment:
    if attachment.kind in caps.media:
        return attachment
    for kind in _FALLBACK_KIND[attachment.kind]:
        if kind in caps.media:
            return attachment.model_copy(update={"kind": kind})
    raise ValueError(f"the channel cannot carry a {attachment.kind.value} attachment")
