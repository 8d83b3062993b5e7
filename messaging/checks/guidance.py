"""The guidance a message gives is its hazard's: the key protective action is there, and
the SMS leads with it."""

from __future__ import annotations

from ..message_types import ACTIONS
from .design import _at
from .findings import ERROR, WARNING, Finding
from .messages import Message


def check_guidance(message: Message) -> list[Finding]:
    """The key protective action of the hazard and phase (``hazards.toml``) is in the text;
    in an SMS it comes before any other guidance (a shelter's name, ...)."""
    key = message.values.get(ACTIONS)
    if key is None:
        return []
    positions = message.positions()
    if ACTIONS not in positions:
        return [_at(message, ERROR, "guidance", f"the key protective action is missing: "
                    f"{key!r}")]
    if message.result.channel != "sms":
        return []
    role = message.roles.get(ACTIONS)
    before = sorted(name for name, r in message.roles.items()
                    if r == role and name != ACTIONS and name in positions
                    and positions[name] < positions[ACTIONS])
    if before:
        return [_at(message, WARNING, "guidance", f"the SMS does not lead with the key "
                    f"protective action: {', '.join(before)} comes first")]
    return []
