"""The cabinet's in-chat operations as rasa-sdk actions.

The dialog engine runs them in-process (bound to its ``CabinetServices`` through :func:`cabinet_actions`);
a standard action server runs them too: ``python -m rasa_sdk --actions cabinet_api.actions``,
where the actions build their services from ``OMNICAB_DATABASE_URL`` on first use.

Texts are never built here: an action names catalog texts of the bot (``response`` keys, also for
button titles) or sets slots the flow renders, so every message is in the client's language.
"""

from __future__ import annotations

from rasa_sdk import Action

from cabinet_api.actions.base import CabinetAction, cabinet_from_environment
from cabinet_api.actions.formatting import format_due
from cabinet_api.actions.identity import UnlinkChannelAction
from cabinet_api.actions.ratings import CommentRatingAction, RateAnswerAction
from cabinet_api.actions.recordings import ListRecordingsAction, SendRecordingAction
from cabinet_api.actions.refunds import (
    ListRefundablePaymentsAction,
    ListRefundsAction,
    SubmitRefundAction,
    ValidateRefundAction,
)
from cabinet_api.actions.requests import (
    AddRequestCommentAction,
    CreateRequestAction,
    ListRequestsAction,
    OpenRequestAction,
    SendAnswerAudioAction,
)
from cabinet_api.services import CabinetServices

ACTION_TYPES: tuple[type[CabinetAction], ...] = (
    CreateRequestAction,
    ListRequestsAction,
    OpenRequestAction,
    AddRequestCommentAction,
    SendAnswerAudioAction,
    ListRefundablePaymentsAction,
    ValidateRefundAction,
    SubmitRefundAction,
    ListRefundsAction,
    ListRecordingsAction,
    SendRecordingAction,
    RateAnswerAction,
    CommentRatingAction,
    UnlinkChannelAction,
)


def cabinet_actions(cabinet: CabinetServices | None = None) -> list[Action]:
    """Every cabinet action, bound to ``cabinet`` (for the dialog engine's in-process registry).

    Without services the actions use the environment's (as under a standalone action server).
    """
    return [action_type(cabinet) for action_type in ACTION_TYPES]


__all__ = [
    "ACTION_TYPES",
    "AddRequestCommentAction",
    "CabinetAction",
    "CommentRatingAction",
    "CreateRequestAction",
    "ListRecordingsAction",
    "ListRefundablePaymentsAction",
    "ListRefundsAction",
    "ListRequestsAction",
    "OpenRequestAction",
    "RateAnswerAction",
    "SendAnswerAudioAction",
    "SendRecordingAction",
    "SubmitRefundAction",
    "UnlinkChannelAction",
    "ValidateRefundAction",
    "cabinet_actions",
    "cabinet_from_environment",
    "format_due",
]
