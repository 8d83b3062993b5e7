"""emsg: multilingual emergency messages, drafted per language and channel.

The library does the work; ``messaging.cli`` is a thin click layer over it::

    from messaging import render
    result = render("early_warning", "es", "sms", {"source": "...", ...})
    result.text, result.language_used, result.segments
"""

from __future__ import annotations

from .errors import (
    CatalogError,
    EmsgError,
    InputError,
    MissingVariable,
    RenderRefused,
    ScenarioError,
    TemplateError,
    UnknownName,
)
from .rendering import Renderer, RenderResult, render
from .scenarios import Scenario, load_scenario

__version__ = "0.1.0"

__all__ = [
    "CatalogError",
    "EmsgError",
    "InputError",
    "MissingVariable",
    "RenderRefused",
    "RenderResult",
    "Renderer",
    "Scenario",
    "ScenarioError",
    "TemplateError",
    "UnknownName",
    "load_scenario",
    "render",
]
