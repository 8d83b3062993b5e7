"""An exercise SMS costs what the real one costs: the marker alone changes neither the
encoding nor the number of segments."""

from __future__ import annotations

from ..marker_cost import marker_cost
from .design import _at
from .findings import WARNING, Finding
from .messages import Message


def check_marker_cost(message: Message) -> list[Finding]:
    r = message.result
    if r.sms is None or not r.exercise or not message.marker:
        return []
    cost = marker_cost(message.text, message.marker, r.sms.policy)
    if cost is None:
        return []
    return [_at(message, WARNING, "marker-cost", cost.describe())]
