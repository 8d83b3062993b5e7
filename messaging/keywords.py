"""What people text back, in their languages: STOP/START/HELP, safety check-in answers, and
the automatic replies to them.

The words are defined in the catalogs, not here. Each keyword list is one msgid with the
gettext context ``keyword`` whose translation lists, comma-separated, the words people of
that language would text ("ALTO, STOP, PARAR, BAJA"); the English msgid is the English list.
Replies are msgids with the context ``reply``. A language's words are recognised from any
language (a Haitian may text "STOP"); the reply goes out in the sender's language.

Matching is on a normalised text: case-folded, accents and punctuation removed, curly and
modifier apostrophes made straight, spaces collapsed (so "Sí." = "si", "ARRÊT" = "arret").

- STOP, START and HELP count only as the whole message ("stop the water is rising" is a
  message for a person to read, not an opt-out).
- A safety check-in answer is the digit 1 (safe) or 2 (needs help), fixed by the message
  itself ("Reply 1 if you are safe, 2 if you need help"), or a word or phrase of the
  ``safe`` / ``need help`` lists, at the start of the message. Text after the answer is
  kept and flagged for a person to read; a "safe" answer whose text also asks for help is
  recorded as needing help (a false alarm costs a phone call, a missed one a life).
- In a safety check campaign the answers come before HELP: "AYUDA" there means "I need
  help", not "what is this number?".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .languages import SOURCE_LANGUAGE

KEYWORD_CONTEXT = "keyword"
REPLY_CONTEXT = "reply"


def N_(context: str, message: str) -> str:
    """Mark a string for extraction (``pybabel extract -k N_:1c,2``)."""
    return message


# Translators: words a person may text, as the whole message, to stop receiving messages
# from this number. Comma-separated; put the most common word of your language first (it is
# quoted in replies). Keep STOP: many phones and carriers use it.
STOP_WORDS = N_("keyword", "STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT")
# Translators: words a person may text, as the whole message, to receive messages again
# after stopping them. Comma-separated; the most common word first (it is quoted in
# replies). Do not use "yes": in a safety check "yes" means "I am safe".
START_WORDS = N_("keyword", "START, UNSTOP")
# Translators: words a person may text, as the whole message, to ask what this number is.
# Comma-separated.
HELP_WORDS = N_("keyword", "HELP, INFO")
# Translators: words or short phrases that answer "Are you safe?" with "yes, I am safe",
# at the start of a reply. Comma-separated. Never a word that could also mean "I need help".
SAFE_WORDS = N_("keyword", "SAFE, I AM SAFE, I'M SAFE, YES, FINE, I AM FINE, I'M FINE, OK")
# Translators: words or short phrases that answer "Are you safe?" with "I need help", at
# the start of a reply. Comma-separated.
NEED_HELP_WORDS = N_("keyword", "HELP, NEED HELP, I NEED HELP, SOS, NOT SAFE, DANGER")

# Translators: the automatic SMS answer to STOP. %(start)s is the word that restarts
# messages in your language (the first of your START list).
STOP_REPLY = N_("reply", "You will get no more messages from this number. Reply %(start)s to "
                         "get them again.")
# Translators: the automatic SMS answer to START. %(stop)s is the first word of your STOP
# list.
START_REPLY = N_("reply", "You will get messages from this number again. Reply %(stop)s to "
                          "stop them.")
# Translators: the automatic SMS answer to HELP. %(stop)s and %(start)s are the first words
# of your STOP and START lists.
HELP_REPLY = N_("reply", "This number sends emergency information. Messages are free. Reply "
                         "%(stop)s to stop them, %(start)s to get them again.")
# Translators: the automatic SMS answer when someone answers a safety check with "safe".
SAFE_REPLY = N_("reply", "Thank you. We have recorded that you are safe.")
# Translators: the automatic SMS answer when someone answers a safety check with "I need
# help". A person reads every such answer.
NEED_HELP_REPLY = N_("reply", "Thank you. We have recorded that you need help; a person "
                              "will read your message. Tell us where you are and how many "
                              "people are with you.")
# Translators: the automatic SMS answer to any other message; a person will read it.
TEXT_REPLY = N_("reply", "Thank you. A person will read your message.")

LISTS = {"stop": STOP_WORDS, "start": START_WORDS, "help": HELP_WORDS, "safe": SAFE_WORDS,
         "need_help": NEED_HELP_WORDS}
REPLIES = {"stop": STOP_REPLY, "start": START_REPLY, "help": HELP_REPLY, "safe": SAFE_REPLY,
           "need_help": NEED_HELP_REPLY, "text": TEXT_REPLY}
#: fixed by the safety_check message ("Reply 1 if you are safe, 2 if you need help")
DIGITS = {"1": "safe", "2": "need_help"}
#: what a reply can be
KINDS = ("stop", "start", "help", "safe", "need_help", "text")
ANSWERS = ("safe", "need_help")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'",
                              "`": "'"})
_NOT_WORD = re.compile(r"[^\w\s']+")


def normalize(text: str) -> str:
    """Case-folded, without accents, punctuation or repeated spaces: what keywords match."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _NOT_WORD.sub(" ", text.casefold().translate(_APOSTROPHES)).replace("_", " ")
    return " ".join(word.strip("'") for word in text.split() if word.strip("'"))


def split_list(translation: str) -> list[str]:
    """A catalog's comma-separated keyword list (Arabic may use ، ) as normalised phrases."""
    phrases = []
    for item in re.split(r"[,\u060c;]", translation):
        phrase = normalize(item)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return phrases


@dataclass(frozen=True)
class Classified:
    """What one inbound message is."""

    kind: str  # one of KINDS
    #: languages whose lists hold the word matched (empty for free text and digits)
    languages: tuple[str, ...] = ()
    #: a person should read it (free text, or an answer with more words after it)
    needs_person: bool = False


@dataclass(frozen=True)
class Reply:
    text: str
    language: str  # the language the reply is in (after fallback)
    unreviewed: bool


@dataclass
class KeywordBook:
    """Every language's keyword lists and replies, read from the catalogs once."""

    #: kind → normalised phrase → languages listing it
    phrases: dict[str, dict[str, tuple[str, ...]]]
    #: (language, kind) → first word of the list as written (quoted in replies)
    first_words: dict[tuple[str, str], str]
    #: language → reply kind → (text, unreviewed)
    replies: dict[str, dict[str, tuple[str, bool]]]
    chains: dict[str, list[str]]
    allow_unreviewed: bool = False
    #: languages whose replies use an unreviewed (fuzzy) translation or fall back
    notes: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, renderer, *, allow_unreviewed: bool = False) -> KeywordBook:
        """Read the lists and replies of every language in ``renderer``'s locales.

        Recognition uses unreviewed (fuzzy) keyword lists too: recognising a STOP is never
        harmful. Replies are sent text, so a fuzzy one is used only with
        ``allow_unreviewed``; otherwise the reply follows the language's fallback chain.
        """
        phrases: dict[str, dict[str, list[str]]] = {kind: {} for kind in LISTS}
        first_words: dict[tuple[str, str], str] = {}
        replies: dict[str, dict[str, tuple[str, bool]]] = {}
        chains: dict[str, list[str]] = {}
        for language in renderer.languages:
            code = language.code
            chains[code] = renderer.languages.chain(code)
            catalog = renderer.catalog(code)
            for kind, msgid in LISTS.items():
                entry = catalog.lookup(KEYWORD_CONTEXT, msgid) if catalog else None
                text = entry.strings[0] if entry else msgid if code == SOURCE_LANGUAGE else ""
                if not text:
                    continue
                words = split_list(text)
                if words:
                    first_words[(code, kind)] = text.replace("\u060c", ",").split(",")[0]\
                        .strip()
                for phrase in words:
                    phrases[kind].setdefault(phrase, []).append(code)
            own: dict[str, tuple[str, bool]] = {}
            for kind, msgid in REPLIES.items():
                if code == SOURCE_LANGUAGE:
                    own[kind] = (msgid, False)
                    continue
                entry = catalog.lookup(REPLY_CONTEXT, msgid) if catalog else None
                if entry is not None and (allow_unreviewed or not entry.fuzzy):
                    own[kind] = (entry.strings[0], entry.fuzzy)
            replies[code] = own
        book = cls({kind: {p: tuple(langs) for p, langs in found.items()}
                    for kind, found in phrases.items()},
                   first_words, replies, chains, allow_unreviewed)
        for code in chains:
            if code == SOURCE_LANGUAGE:
                continue
            used = book.reply("text", code).language
            if used != code:
                book.notes.append(f"{code}: replies in {used} (its own are missing or "
                                  "unreviewed; --allow-unreviewed uses unreviewed ones)")
            elif any(book.replies[code][k][1] for k in book.replies[code]):
                book.notes.append(f"{code}: replies use unreviewed (fuzzy) translations")
        return book

    def languages(self) -> list[str]:
        return list(self.chains)

    # -- recognising ------------------------------------------------------------------------

    def classify(self, body: str, *, safety_check: bool = False) -> Classified:
        text = normalize(body)
        for kind in ("stop", "start"):
            if text in self.phrases[kind]:
                return Classified(kind, self.phrases[kind][text])
        if safety_check:
            answer = self._answer(text)
            if answer is not None:
                return answer
        if text in self.phrases["help"]:
            return Classified("help", self.phrases["help"][text])
        return Classified("text", (), needs_person=True)

    def _answer(self, text: str) -> Classified | None:
        words = text.split()
        if not words:
            return None
        best: tuple[int, str, tuple[str, ...]] | None = None
        first = words[0]
        if first in DIGITS:
            best = (1, DIGITS[first], ())
        for kind in ANSWERS:
            for phrase, langs in self.phrases[kind].items():
                size = phrase.count(" ") + 1
                if words[:size] == phrase.split() and (best is None or size > best[0]):
                    best = (size, kind, langs)
        if best is None:
            return None
        size, kind, langs = best
        rest = words[size:]
        if kind == "safe" and rest and self._asks_for_help(rest):
            kind = "need_help"
        return Classified(kind, langs, needs_person=bool(rest))

    def _asks_for_help(self, words: list[str]) -> bool:
        joined = f" {' '.join(words)} "
        if "2" in words:
            return True
        return any(f" {phrase} " in joined for phrase in self.phrases["need_help"])

    # -- answering --------------------------------------------------------------------------

    def reply(self, kind: str, language: str | None) -> Reply:
        """The automatic reply to ``kind`` in ``language``, following its fallback chain."""
        chain = self.chains.get(language or "", []) + [SOURCE_LANGUAGE]
        for code in chain:
            found = self.replies.get(code, {}).get(kind)
            if found is not None:
                text, unreviewed = found
                values = {"stop": self._first(code, "stop"), "start": self._first(code, "start")}
                return Reply(text % values if "%(" in text else text, code, unreviewed)
        raise LookupError(f"no reply {kind!r}")  # the source language always has one

    def _first(self, code: str, kind: str) -> str:
        return self.first_words.get((code, kind)) or \
            self.first_words[(SOURCE_LANGUAGE, kind)]

    def guess_language(self, classified: Classified) -> str | None:
        """The language of a keyword, for a sender not in the campaign: one that lists it,
        preferring a language other than English (whose words every list may repeat)."""
        others = [c for c in classified.languages if c != SOURCE_LANGUAGE]
        if others:
            return others[0]
        return classified.languages[0] if classified.languages else None
