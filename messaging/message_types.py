"""Message types: ``message_templates/<type>/template.toml`` and one Jinja2 file per channel."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TemplateError, UnknownName

MESSAGE_TYPES = ("awareness", "early_warning", "evacuation", "relief_assistance",
                 "safety_check", "all_clear")
CHANNELS = ("sms", "long", "voice", "cap")
#: channels ``--channel all`` means for drafting; CAP has its own command
DRAFT_CHANNELS = ("sms", "long", "voice")
VARIABLE_TYPES = ("text", "place", "datetime", "phone", "url", "hazard", "count", "bool")
ROLES = ("source", "hazard", "location", "guidance", "time", "help", "verify")
#: the phases of an emergency a type's protective actions come from (see hazards.toml)
PHASES = ("prepare", "warning", "evacuate", "after")
#: the name the renderer gives the protective actions, as if they were a variable
ACTIONS = "actions"


@dataclass(frozen=True)
class Variable:
    name: str
    type: str
    role: str | None = None
    required: bool = True
    default: object = None
    description: str = ""
    #: counts: the smallest value that makes sense ("0 shelters open" is not relief)
    minimum: int | None = None


@dataclass(frozen=True)
class Actions:
    """``[actions]`` in template.toml: the hazard's protective actions for one phase."""

    phase: str
    role: str = "guidance"
    #: the channels whose templates must carry them (all by default)
    channels: tuple[str, ...] = CHANNELS


@dataclass(frozen=True)
class MessageType:
    name: str
    title: str
    purpose: str
    path: Path
    variables: dict[str, Variable]
    order: tuple[str, ...]
    cap: dict[str, str] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=dict)
    actions: Actions | None = None

    def template_name(self, channel: str) -> str:
        return f"{self.name}/{channel}.j2"

    def channels(self) -> list[str]:
        """Channels this type has a template for, in CHANNELS order."""
        return [c for c in CHANNELS if (self.path / f"{c}.j2").is_file()]

    def roles(self, channel: str | None = None) -> dict[str, list[str]]:
        """Design role → the variables that carry it (the protective actions count as one,
        ``actions``, in the channels that carry them)."""
        out: dict[str, list[str]] = {}
        for var in self.variables.values():
            if var.role:
                out.setdefault(var.role, []).append(var.name)
        if self.actions and (channel is None or channel in self.actions.channels):
            out.setdefault(self.actions.role, []).append(ACTIONS)
        return out


def list_types(templates_dir: Path) -> list[str]:
    return sorted(p.parent.name for p in templates_dir.glob("*/template.toml"))


def load_type(templates_dir: Path, name: str) -> MessageType:
    folder = templates_dir / name
    path = folder / "template.toml"
    if not path.is_file():
        from .names import unknown

        raise UnknownName(unknown("message type", name, list_types(templates_dir)),
                          field="type")
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"cannot read file ({exc})", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise TemplateError(f"not valid TOML ({exc})", path=str(path)) from None
    variables: dict[str, Variable] = {}
    for var_name, spec in data.get("variables", {}).items():
        if not isinstance(spec, dict) or spec.get("type") not in VARIABLE_TYPES:
            raise TemplateError(f"type must be one of {', '.join(VARIABLE_TYPES)}",
                                path=str(path), field=f"variables.{var_name}")
        role = spec.get("role")
        if role is not None and role not in ROLES:
            raise TemplateError(f"role must be one of {', '.join(ROLES)}",
                                path=str(path), field=f"variables.{var_name}.role")
        variables[var_name] = Variable(
            name=var_name, type=spec["type"], role=role,
            required=spec.get("required", True), default=spec.get("default"),
            description=spec.get("description", ""),
            minimum=spec.get("min"),
        )
    return MessageType(
        actions=_actions(data.get("actions"), path),
        name=name,
        title=data.get("title", name),
        purpose=data.get("purpose", ""),
        path=folder,
        variables=variables,
        order=tuple(data.get("order", ())),
        cap=dict(data.get("cap", {})),
        limits=_limits(data.get("limits", {}), path, text),
    )


def _limits(spec: object, path: Path, text: str) -> dict[str, int]:
    """``[limits]``: each a whole number of 1 or more (``sms_segments = "six"`` is not)."""
    from .scenarios import key_lines

    if not isinstance(spec, dict):
        raise TemplateError("[limits] must be a table", path=str(path), field="limits")
    lines = key_lines(text, "limits")
    for key, value in spec.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TemplateError(f"expected a whole number of 1 or more, got {value!r}",
                                path=str(path), line=lines.get(key), field=f"limits.{key}")
    return dict(spec)


def _actions(spec: object, path: Path) -> Actions | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise TemplateError("[actions] must be a table", path=str(path), field="actions")
    phase = spec.get("phase")
    if phase not in PHASES:
        raise TemplateError(f"phase must be one of {', '.join(PHASES)}", path=str(path),
                            field="actions.phase")
    role = spec.get("role", "guidance")
    if role not in ROLES:
        raise TemplateError(f"role must be one of {', '.join(ROLES)}", path=str(path),
                            field="actions.role")
    channels = spec.get("channels", list(CHANNELS))
    if not isinstance(channels, list) or not channels or set(channels) - set(CHANNELS):
        raise TemplateError(f"channels must be a list of {', '.join(CHANNELS)}",
                            path=str(path), field="actions.channels")
    unknown = set(spec) - {"phase", "role", "channels"}
    if unknown:
        raise TemplateError(f"unknown key(s) {', '.join(sorted(unknown))}", path=str(path),
                            field="actions")
    return Actions(phase, role, tuple(channels))
