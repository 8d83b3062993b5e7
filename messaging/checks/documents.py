"""One documents sentence: what a type says about documents is the same in every channel.

A type that declares ``id_required`` carries the sentence its value calls for (``DOCUMENTS``
in ``messages.py``, the sentences of ``_macros.j2``) in every channel and never the other;
a type that does not declare it says nothing about whether help needs documents.
"""

from __future__ import annotations

from .design import _at
from .findings import ERROR, Finding
from .messages import Message, _needle


def check_documents(message: Message) -> list[Finding]:
    text = " ".join(message.text.split())
    out: list[Finding] = []
    if message.documents is not None and not _needle(message.documents).search(text):
        out.append(_at(message, ERROR, "documents", f"the documents sentence for its "
                       f"id_required is missing: {message.documents!r}"))
    for sentence in message.documents_not:
        if _needle(sentence).search(text):
            why = ("contradicts its id_required" if message.documents is not None else
                   "the type does not declare id_required")
            out.append(_at(message, ERROR, "documents", f"says {sentence!r}, but {why}"))
    return out
