"""The gettext workflow, with the options our runtime needs: extract and update, and where
a command may write catalogs.

These are ``pybabel`` commands with the project's settings filled in (``babel.cfg``, the
``N_:1c,2`` keyword of the hazard glossary, translator comments), so a maintainer cannot
extract with options that differ from what the renderer uses. Extraction needs a checkout;
``update`` (like ``init``, ``export`` and ``import``) also works on a user's own catalog
folder (``--locales DIR``), which is how an installed emsg adds and reviews languages.
"""

from __future__ import annotations

import io
from contextlib import chdir, redirect_stderr, redirect_stdout
from pathlib import Path

from .catalogs import template_path
from .errors import CatalogError
from .resources import locales_dir

KEYWORDS = ["-k", "N_:1c,2"]


def _checkout() -> Path:
    root = locales_dir().parent
    if not (root / "babel.cfg").is_file():
        raise CatalogError("catalog maintenance needs a checkout (babel.cfg not found)",
                           path=str(root))
    return root


def user_locales_hint() -> str:
    """Where a user's own catalog folder conventionally lives (platformdirs' user data
    directory), for messages that send an installed user there."""
    from platformdirs import user_data_dir

    return str(Path(user_data_dir("emsg", appauthor=False)) / "locales")


def writable_locales(locales: Path | None) -> Path:
    """The catalog folder a command may change: ``--locales DIR`` (created if need be), or,
    in a checkout, its ``locales/``. An installed emsg's bundled catalogs are not the
    user's to change (an upgrade would replace them): it needs ``--locales``."""
    if locales is not None:
        if locales.exists() and not locales.is_dir():
            raise CatalogError("is not a folder", path=str(locales), field="--locales")
        locales.mkdir(parents=True, exist_ok=True)
        return locales
    root = locales_dir().parent
    if not (root / "babel.cfg").is_file():
        raise CatalogError("an installed emsg keeps its bundled catalogs read-only: give "
                           "your own catalog folder with --locales DIR or EMSG_LOCALES "
                           f"(conventionally {user_locales_hint()})", field="--locales")
    return root / "locales"


def overlay_of(locales: Path) -> Path | None:
    """``locales`` as an overlay over the bundled catalogs, or ``None`` if it is them."""
    try:
        same = locales.resolve() == locales_dir().resolve()
    except OSError:
        same = False
    return None if same else locales


def _pybabel(*args: str) -> str:
    from babel.messages.frontend import CommandLineInterface

    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(out):
        try:
            CommandLineInterface().run(["pybabel", "-q", *args])
        except SystemExit as exc:
            if exc.code:
                raise CatalogError(f"pybabel {args[0]} failed: {out.getvalue().strip()}") \
                    from None
    return out.getvalue().strip()


def extract() -> str:
    root = _checkout()
    pot = template_path(root / "locales")
    with chdir(root):  # references in the catalogs stay relative to the checkout
        _pybabel("extract", "-F", "babel.cfg", *KEYWORDS, "--add-comments=Translators:",
                 "--sort-by-file", "--project=emsg", "--version=0.1",
                 "--copyright-holder=emsg contributors",
                 "--msgid-bugs-address=https://github.com/emsg/emsg/issues",
                 "-o", str(pot.relative_to(root)), ".")
    return f"wrote {pot}"


def update(locales: Path | None = None) -> str:
    """Merge the ``.pot`` into every catalog of ``locales`` (``--locales``: the folder's own
    ``messages.pot`` if it has one, else the bundled one: after upgrading emsg, your
    catalogs get its new strings)."""
    target = writable_locales(locales)
    pot = template_path(target)
    if not pot.is_file():
        pot = template_path(locales_dir())
    if not list(target.glob("*/LC_MESSAGES/messages.po")):
        raise CatalogError("no catalogs (<lang>/LC_MESSAGES/messages.po) to update",
                           path=str(target))
    _pybabel("update", "-i", str(pot), "-d", str(target), "-D", "messages",
             "--no-fuzzy-matching")
    return f"updated catalogs in {target} from {pot}"
