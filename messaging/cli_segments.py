"""``emsg segments``: what an SMS costs in segments, and why (Twilio's counting rules)."""

from __future__ import annotations

import json

import click

from . import encoding
from .cli import BadInput, echo_json, format_option


@click.command()
@click.argument("text", required=False)
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read one JSON string per line; write one JSON object per line.")
@format_option
def segments(text, jsonl, fmt):
    """Count SMS segments as Twilio does: encoding, segments, and with smart encoding.

    \b
    Examples:
      emsg segments "Evacúe ahora"
      emsg segments --jsonl messages.jsonl
    """
    if (text is None) == (jsonl is None):
        raise BadInput("give either TEXT or --jsonl FILE")
    if text is not None:
        problem = encoding.lone_surrogate(text)
        if problem:
            raise BadInput(f"TEXT: {problem}")
        data = _segments_dict(text)
        if fmt == "json":
            echo_json(data)
            return
        click.echo(f"{data['encoding']}, {data['segments']} segment(s), "
                   f"{data['characters']} characters")
        if data["non_gsm"]:
            click.echo(f"outside GSM-7: {' '.join(data['non_gsm'])}")
        smart, folded = data["smart"], data["folded"]
        click.echo(f"smart-encoded (lossless): {smart['encoding']}, "
                   f"{smart['segments']} segment(s)")
        click.echo(f"accent-folded (changes spelling): {folded['encoding']}, "
                   f"{folded['segments']} segment(s)")
        return
    name = "<stdin>" if jsonl == "-" else jsonl
    try:
        stream = click.open_file(jsonl, encoding="utf-8-sig")
    except OSError as exc:
        raise BadInput(f"{name}: cannot read ({exc.strerror or exc})") from None
    try:
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BadInput(f"{name}:{number}: not JSON ({exc.msg})") from None
            if not isinstance(value, str):
                raise BadInput(f"{name}:{number}: expected a JSON string, "
                               f"got {type(value).__name__}")
            problem = encoding.lone_surrogate(value)
            if problem:
                raise BadInput(f"{name}:{number}: text: {problem}")
            click.echo(json.dumps(_segments_dict(value), ensure_ascii=False))
    except UnicodeDecodeError:
        raise BadInput(f"{name}: not UTF-8 text") from None
    finally:
        stream.close()


def _segments_dict(text: str) -> dict:
    a = encoding.analyse(text)
    return {
        "text": text,
        "encoding": a.raw.encoding,
        "segments": a.raw.segments,
        "characters": a.raw.characters,
        "units": a.raw.units,
        "non_gsm": list(a.raw.non_gsm),
        "smart": {"text": a.smart.text, "encoding": a.smart.encoding,
                  "segments": a.smart.segments},
        "folded": {"text": a.folded.text, "encoding": a.folded.encoding,
                   "segments": a.folded.segments},
    }
