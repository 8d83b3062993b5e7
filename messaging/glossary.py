"""Hazard terms: a scenario names a hazard by key, each audience reads it in its language.

Terms are bare singular nouns as they fit in "<hazard> warning" ("hurricane warning",
"alerta de huracán"), extracted with the gettext context ``hazard`` so that "flood" the
hazard is never confused with another sense of the word in the catalogs.
"""

from __future__ import annotations

HAZARD_CONTEXT = "hazard"


def N_(context: str, message: str) -> str:
    """Mark a term for extraction (``pybabel extract -k N_:1c,2``); translated at render time."""
    return message


HAZARDS: dict[str, str] = {
    # Translators: a hazard named in a warning, as a bare noun that fits "<hazard> warning"
    # ("alerta de huracán"). Use the term the national civil protection agency uses.
    "hurricane": N_("hazard", "hurricane"),
    "tropical_storm": N_("hazard", "tropical storm"),
    "flood": N_("hazard", "flood"),
    "landslide": N_("hazard", "landslide"),
    "earthquake": N_("hazard", "earthquake"),
    "tsunami": N_("hazard", "tsunami"),
    "volcanic_eruption": N_("hazard", "volcanic eruption"),
    "wildfire": N_("hazard", "wildfire"),
    # Translators: dangerous heat for people who walk and wait outdoors (Spanish: calor
    # extremo); it must fit "<hazard> warning" like the other terms.
    "extreme_heat": N_("hazard", "extreme heat"),
}
