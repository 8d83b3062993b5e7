"""Message-design checks: is a rendered message fit to send?

The checks follow ``SPEC.md`` "Message design" (Mileti & Sorensen; Sutton & Kuligowski's
short-warning templates): the five elements of a warning (source, hazard, location,
guidance, time) present and in order, a time zone on every time, the channel's length
limit, no leftover placeholder, not mostly capitals, the same numbers, times and links in
every language, the exercise marker exactly when in exercise mode, and the catalogs'
own problems (missing, fuzzy, broken placeholders, ``msgfmt --check``).

Each ``check_*`` function is pure: it looks at :class:`Message` objects (a
``RenderResult`` plus what each fact looks like in that language and channel) or at a
catalog, and returns :class:`Finding` objects. :func:`run_checks` renders and collects;
``emsg check`` prints the findings and ``emsg preview`` puts them on the page.

Severities. *error*: not fit to send (a missing element, a time without a zone, over the
channel limit, a leftover placeholder, a number that differs between languages, a wrong
exercise marker, a broken catalog entry, the hazard's key protective action missing, a
documents sentence missing or contradicting ``id_required``). *warning*: worth a look, not
a defect (element order, capitals, acronyms, a wireless-alert profile exceeded, a visible
fallback, unreviewed (fuzzy) strings - every bundled translation is honestly fuzzy today -,
an SMS that does not lead with the key action, an exercise marker that alone changes an
SMS's encoding or segments).

Modules: ``findings`` (Finding, Report), ``messages`` (a rendered message and where its
facts read), ``design`` (one message type, one message), ``content`` (what a message says:
``guidance``, the hazard's key protective action, leading the SMS; ``documents``, the one
documents sentence; ``marker_cost``, what the exercise marker alone costs an SMS),
``consistency`` (across languages), ``catalog`` (catalogs and ``msgfmt``), ``run`` (render
everything and check).
"""

from __future__ import annotations

from .catalog import check_catalog, check_catalogs, msgfmt_check, parse_msgfmt
from .consistency import check_consistency, fact_tokens
from .content import check_content
from .design import (
    ALERT_PROFILE_LONG,
    ALERT_PROFILE_SHORT,
    KNOWN_ACRONYMS,
    TWILIO_MAX_CHARACTERS,
    check_acronyms,
    check_capitals,
    check_elements,
    check_exercise,
    check_length,
    check_message,
    check_placeholders,
    check_review,
    check_template,
    check_time_zone,
)
from .documents import check_documents
from .findings import ERROR, WARNING, Finding, Report
from .guidance import check_guidance
from .marker_cost import check_marker_cost
from .messages import (
    DOCUMENTS,
    ELEMENTS,
    Message,
    describe,
    exercise_marker,
    hazard_term,
    locate,
    translated,
)
from .run import run_checks

__all__ = [
    "ALERT_PROFILE_LONG", "ALERT_PROFILE_SHORT", "DOCUMENTS", "ELEMENTS", "ERROR", "KNOWN_ACRONYMS",
    "TWILIO_MAX_CHARACTERS", "WARNING", "Finding", "Message", "Report", "check_acronyms",
    "check_capitals", "check_catalog", "check_catalogs", "check_consistency", "check_content",
    "check_documents", "check_elements", "check_exercise", "check_guidance", "check_length",
    "check_marker_cost", "check_message", "check_placeholders", "check_review",
    "check_template", "check_time_zone", "describe", "exercise_marker", "fact_tokens",
    "hazard_term", "locate", "msgfmt_check", "parse_msgfmt", "run_checks", "translated",
]
