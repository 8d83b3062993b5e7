"""Checks on what a message says, beyond the design elements: its hazard's guidance, the
one documents sentence, and what the exercise marker costs."""

from __future__ import annotations

from .documents import check_documents
from .findings import Finding
from .guidance import check_guidance
from .marker_cost import check_marker_cost
from .messages import Message


def check_content(message: Message) -> list[Finding]:
    return [*check_guidance(message), *check_documents(message), *check_marker_cost(message)]
