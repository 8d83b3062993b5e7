"""Render every type x language x channel x mode and check each message."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..errors import CatalogError, RenderRefused, TemplateError
from ..facts import Facts
from ..languages import SOURCE_LANGUAGE
from ..message_types import MessageType
from ..rendering import Renderer
from ..scenarios import Scenario
from .catalog import check_catalogs
from .consistency import check_consistency
from .content import check_content
from .design import check_message, check_template
from .findings import ERROR, Finding, Report
from .messages import Message, describe
from .readings import check_readings, check_repeated_hour
from .scripts import check_scripts
from .timeline import check_expired, check_timeline


def run_checks(renderer: Renderer, scenario: Scenario, *, types: Sequence[str],
               languages: Sequence[str], channels: Sequence[str],
               modes: Sequence[bool] = (False,), catalogs: bool = True,
               msgfmt: bool = True, expired: str | None = None) -> Report:
    """Render every type × language × channel × mode and check each message.

    A template or catalog that cannot be rendered becomes an error finding, and the other
    messages are still checked. Unknown types, languages or missing facts raise, as in
    ``emsg draft``. The scenario's times come first (:mod:`.timeline`): when they
    contradict each other nothing is rendered. ``expired`` is the severity of an alert
    past its deadline (``None``: not checked, as for an exercise).
    """
    report = Report()
    label = scenario.path or scenario.title
    for code in languages:
        renderer.languages.get(code)
    report.add(check_timeline(renderer, scenario, types))
    if expired:
        report.add(check_expired(scenario, types, expired))
    if any(f.check == "chronology" for f in report.errors):
        report.findings = [replace(f, scenario=label) for f in report.findings]
        return report
    for type_name in types:
        message_type = renderer.message_type(type_name)
        facts = renderer.facts(type_name, scenario, chronology=False)
        report.add(check_template(message_type))
        report.add(check_repeated_hour(message_type, facts))
        available = message_type.channels()
        for channel in [c for c in channels if c in available]:
            for exercise in modes:
                reference = _checked(renderer, report, message_type, facts, SOURCE_LANGUAGE,
                                     channel, exercise, keep=SOURCE_LANGUAGE in languages)
                for code in languages:
                    message = reference if code == SOURCE_LANGUAGE else _checked(
                        renderer, report, message_type, facts, code, channel, exercise)
                    if message is not None and reference is not None:
                        report.add(check_consistency(message, reference))
    if catalogs:
        report.merge(check_catalogs(renderer, languages, msgfmt=msgfmt))
    report.findings = [replace(f, scenario=label) if f.type or f.check == "chronology" else f
                       for f in report.findings]
    return report


def _checked(renderer: Renderer, report: Report, message_type: MessageType, facts: Facts,
             code: str, channel: str, exercise: bool, keep: bool = True) -> Message | None:
    try:
        result = renderer.render(message_type.name, code, channel, facts, exercise=exercise)
    except (TemplateError, CatalogError, RenderRefused) as exc:
        report.add([Finding(ERROR, "render", str(exc), type=message_type.name, language=code,
                            channel=channel, exercise=exercise)])
        return None
    message = describe(renderer, message_type, facts, result)
    if keep:
        report.messages.append(message)
        report.add(check_message(message, message_type))
        report.add(check_content(message))
        report.add([*check_readings(message), *check_scripts(message)])
    return message
