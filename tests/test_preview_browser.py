"""The preview page in a real browser: Debian's headless Chromium, driven by Playwright.

The page is opened from a file:// URL, as a facilitator opens it from a USB stick; the test
reads what Chromium laid out (cards, badges, text direction), checks that nothing was
fetched and nothing ran, and saves screenshots (projector and phone widths) in tmp_path.
Chromium comes from the OS (``apt-get install chromium``), never from ``playwright
install``: set ``EMSG_CHROMIUM`` to use another binary.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from messaging.cli import cli

from .conftest import HURRICANE

HOSTILE = "<script>alert(1)</script>"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _chromium() -> str | None:
    env = os.environ.get("EMSG_CHROMIUM")
    if env:
        return env if Path(env).is_file() else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium is not installed (apt-get install chromium, or set "
                    "EMSG_CHROMIUM to a Chromium binary)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("preview") / "preview.html"
    result = CliRunner().invoke(cli, [
        "preview", "early_warning", "safety_check", "--scenario", str(HURRICANE),
        "--lang", "es,quc,ar,en", "--var", f"area={HOSTILE}", "--exercise", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def opened(browser, page_file):
    """The page, opened from file://, with every request and dialog recorded."""
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    requests: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page_file.as_uri())
    yield page, requests, dialogs
    page.close()


def _texts(page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def test_cards_badges_and_direction(opened, renderer, hurricane, tmp_path):
    page, requests, dialogs = opened
    assert page.title().startswith("EXERCISE - emsg preview")
    assert page.locator("article.card").count() == 8  # 2 types x 4 languages
    assert page.locator("section.type").count() == 2

    # badges: what the library counted, as Chromium shows it
    scenario = hurricane.with_overrides([f"area={HOSTILE}"])
    for code in ("es", "ar", "en"):
        result = renderer.render("early_warning", code, "sms",
                                 renderer.facts("early_warning", scenario), exercise=True)
        sms = f'article[data-type="early_warning"][data-lang="{code}"] .channel-sms'
        badges = _texts(page, f"{sms} .badges .badge")
        assert badges[0] == result.sms.sent.encoding
        assert badges[1] == f"{result.sms.sent.segments} segments / 7"
        assert badges[2] == f"{result.sms.sent.characters} characters"
        assert page.locator(f"{sms} .bubble").inner_text() == result.text

    # the letter that costs UCS-2 is highlighted in the Spanish SMS
    es_sms = 'article[data-type="early_warning"][data-lang="es"] .channel-sms'
    assert "á" in _texts(page, f"{es_sms} mark.ucs2")
    assert _texts(page, 'article[data-type="early_warning"][data-lang="en"] mark.ucs2') == []

    # right-to-left, as laid out
    direction = "el => getComputedStyle(el).direction"
    for selector, expected in [
        ('article[data-type="early_warning"][data-lang="ar"] .channel-sms .bubble', "rtl"),
        ('article[data-type="early_warning"][data-lang="ar"] .channel-long .message', "rtl"),
        ('article[data-type="early_warning"][data-lang="ar"] h3', "rtl"),
        ('article[data-type="early_warning"][data-lang="es"] .channel-sms .bubble', "ltr"),
    ]:
        assert page.locator(selector).evaluate(direction) == expected, selector
    ar_bubble = page.locator(
        'article[data-type="early_warning"][data-lang="ar"] .channel-sms .bubble')
    # an RTL line starts at the right: the first character's box hugs the right edge
    edges = ar_bubble.evaluate("""el => {
        const range = document.createRange();
        const text = el.firstChild;
        range.setStart(text, 0); range.setEnd(text, 1);
        const r = range.getBoundingClientRect(), b = el.getBoundingClientRect();
        const pad = parseFloat(getComputedStyle(el).paddingRight);
        return [b.right - pad - r.right, r.left - b.left];
    }""")
    assert edges[0] < 8 < edges[1], edges

    # what a phone displays: the phone number, the time and the link read left to right
    # inside the Arabic text (Chromium applies the Unicode Bidirectional Algorithm)
    for channel, fact in (("sms", "+52 962 620 1000"), ("sms", "18:00"),
                          ("long", "https://example.org/tapachula"), ("long", "12:00")):
        element = page.locator(f'article[data-type="early_warning"][data-lang="ar"] '
                               f'.channel-{channel} .message-text')
        assert _reads_left_to_right(element, fact), (channel, fact)
    assert "in Unicode isolates" in page.locator(
        'article[data-type="early_warning"][data-lang="ar"] .channel-sms').inner_text()
    assert page.locator('#catalogs tr[data-lang="quc"] td').nth(5).inner_text() == \
        "CLDR+catalog"

    # flags and the checklist
    assert "unreviewed" in _texts(page, 'article[data-lang="es"] header .flag')
    assert "right-to-left" in _texts(page, 'article[data-lang="ar"] header .flag')
    guidance = page.locator('article[data-type="early_warning"][data-lang="es"] '
                            '[data-element="guidance"]')
    assert guidance.get_attribute("data-state") == "yes"
    assert guidance.inner_text().strip() == "\u2713 guidance"
    actions = page.locator('article[data-type="safety_check"][data-lang="es"] '
                           '[data-element="guidance"]')
    assert actions.get_attribute("data-state") == "yes"  # the hazard's protective actions

    # the hostile fact is shown as text, and nothing ran or loaded
    assert HOSTILE in page.locator(f"{es_sms} .bubble").inner_text()
    assert page.locator("script").count() == 0
    assert dialogs == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests

    shot = tmp_path / "preview-projector.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _reads_left_to_right(element, fact: str) -> bool:
    """Whether each character of ``fact`` is laid out right of the one before it."""
    return element.evaluate("""(el, fact) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const nodes = []; let all = "";
        while (walker.nextNode()) { nodes.push([walker.currentNode, all.length]);
                                    all += walker.currentNode.data; }
        const clean = all.replace(/[\u2066-\u2069]/g, "\u0000");
        let start = -1, i = 0;
        // find the fact, isolates in the text skipped
        for (let at = 0; at < all.length && start < 0; at++) {
            let j = at, k = 0;
            while (j < all.length && k < fact.length) {
                if (clean[j] === "\u0000") { j++; continue; }
                if (all[j] !== fact[k]) break;
                j++; k++;
            }
            if (k === fact.length) start = at;
        }
        if (start < 0) return false;
        const boxes = [];
        for (i = start; boxes.length < fact.length; i++) {
            if (clean[i] === "\u0000") continue;
            const [node, offset] = nodes.filter(([n, o]) => o <= i).pop();
            const range = document.createRange();
            range.setStart(node, i - offset); range.setEnd(node, i - offset + 1);
            // a space may be where the line wraps: only the digits and letters count
            boxes.push(/\\s/.test(all[i]) ? {width: 0} : range.getBoundingClientRect());
        }
        // on one line, each character right of the one before (a wrapped run goes on)
        return boxes.every((b, n) => n === 0 || b.width === 0 || boxes[n - 1].width === 0
                           || Math.abs(b.top - boxes[n - 1].top) > 2
                           || b.left >= boxes[n - 1].left - 0.5);
    }""", fact)


def test_readable_on_a_phone(browser, page_file, tmp_path):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    try:
        page.goto(page_file.as_uri())
        widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], f"horizontal scrolling on a phone: {widths}"
        card = page.locator("article.card").first.bounding_box()
        assert card is not None and card["width"] <= 390
        font = page.locator(".bubble").first.evaluate(
            "el => parseFloat(getComputedStyle(el).fontSize)")
        assert font >= 14
        shot = tmp_path / "preview-phone.png"
        page.screenshot(path=str(shot), full_page=False)
        assert shot.stat().st_size > 1000
    finally:
        page.close()
