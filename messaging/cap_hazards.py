"""Which glossary hazard a CAP alert's words name, in any of the region's languages."""

from __future__ import annotations

import re
import unicodedata

from .glossary import HAZARD_CONTEXT, HAZARDS

#: how authorities in the region name our hazards, besides the catalogs' translations
#: (compared without accents or case, as whole words)
SYNONYMS: dict[str, tuple[str, ...]] = {
    "hurricane": ("hurricane", "huracan", "huracanes", "ouragan", "furacao", "siklon"),
    "tropical_storm": ("tropical storm", "tormenta tropical", "tempete tropicale",
                       "tempestade tropical", "tanpet tropikal"),
    "flood": ("flood", "floods", "flooding", "flash flood", "inundacion", "inundaciones",
              "crecida", "crecidas", "inondation", "inondations", "inundacao", "inundacoes",
              "inondasyon", "lavalas"),
    "landslide": ("landslide", "landslides", "mudslide", "deslave", "deslaves",
                  "deslizamiento", "deslizamientos", "derrumbe", "derrumbes",
                  "glissement de terrain", "deslizamento", "glisman teren"),
    "earthquake": ("earthquake", "sismo", "sismos", "terremoto", "temblor", "seisme",
                   "tremblement de terre", "tranblemannte", "goudougoudou"),
    "tsunami": ("tsunami", "maremoto", "raz de maree"),
    "volcanic_eruption": ("volcanic eruption", "volcanic", "eruption", "erupcion",
                          "erupcion volcanica", "actividad volcanica", "volcan",
                          "eruption volcanique", "erupcao"),
    "wildfire": ("wildfire", "wildfires", "forest fire", "incendio forestal",
                 "incendios forestales", "feu de foret", "incendie de foret",
                 "incendio florestal"),
    "extreme_heat": ("extreme heat", "excessive heat", "heat wave", "calor extremo",
                     "ola de calor", "onda de calor", "canicule", "chaleur extreme"),
}

#: SAME / EAS event codes (US NWS and others) some feeds carry as <eventCode>
SAME_CODES = {
    "HUW": "hurricane", "HUA": "hurricane", "HLS": "hurricane",
    "TRW": "tropical_storm", "TRA": "tropical_storm",
    "FFW": "flood", "FFA": "flood", "FFS": "flood", "FLW": "flood", "FLA": "flood",
    "FLS": "flood", "EQW": "earthquake", "TSW": "tsunami", "TSA": "tsunami",
    "VOW": "volcanic_eruption", "FRW": "wildfire", "LSW": "landslide",
    "EHW": "extreme_heat", "EHA": "extreme_heat",
}


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("ʼ", "'").replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w']+", " ", text).split())


def hazard_terms(renderer=None) -> dict[str, str]:
    """Folded term → glossary key: English, our catalogs' translations, known synonyms."""
    terms: dict[str, str] = {}
    for key, english in HAZARDS.items():
        terms[_fold(english)] = key
        terms[_fold(key.replace("_", " "))] = key
        for synonym in SYNONYMS.get(key, ()):
            terms.setdefault(_fold(synonym), key)
    if renderer is not None:
        for code in renderer.languages.codes():
            catalog = renderer.catalog(code)
            if catalog is None:
                continue
            for key, english in HAZARDS.items():
                entry = catalog.lookup(HAZARD_CONTEXT, english)
                if entry is not None and entry.strings[0].strip():
                    terms.setdefault(_fold(entry.strings[0]), key)
    return terms


def match_hazard(text: str, terms: dict[str, str]) -> tuple[str | None, list[str]]:
    """The hazard ``text`` names (the earliest, longest term), and every hazard it names."""
    folded = _fold(text)
    found: list[tuple[int, int, str]] = []
    for term, key in terms.items():
        for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", folded):
            found.append((m.start(), -len(term), key))
    if not found:
        return None, []
    found.sort()
    keys = list(dict.fromkeys(key for _, _, key in found))
    return found[0][2], keys
