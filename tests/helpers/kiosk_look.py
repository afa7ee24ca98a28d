"""The kiosk's look in Chromium: the display switches on a phone, header labels that read in full, axe-core."""
from tests.helpers.browser import axe_source

MIN_TARGET = 64  # px, every button of the kiosk
LABEL_MARGIN = 4  # px between a label's text and its button's border


def open_tools(page) -> None:
    """On a phone the display switches are behind 「ふりがな・文字」."""
    show = page.locator("#show-tools")
    if show.is_visible() and show.get_attribute("aria-expanded") != "true":
        show.click()


# For each visible header button: its box, and the box of its text (all lines), in CSS px.
LABELS_JS = """() => Array.from(document.querySelectorAll('.bar button')).filter((b) => b.getClientRects().length)
    .map((b) => { const range = document.createRange(); range.selectNodeContents(b);
      const box = b.getBoundingClientRect(), text = range.getBoundingClientRect(), style = getComputedStyle(b);
      return { label: b.innerText.replace(/\\n/g, ''), left: box.left + parseFloat(style.borderLeftWidth),
        right: box.right - parseFloat(style.borderRightWidth), top: box.top, bottom: box.bottom,
        width: box.width, height: box.height, textLeft: text.left, textRight: text.right, textTop: text.top,
        textBottom: text.bottom, overflow: b.scrollWidth > b.clientWidth || b.scrollHeight > b.clientHeight,
        fontSize: parseFloat(style.fontSize), vw: innerWidth }; })"""


def cut_labels(page):
    """Header buttons whose label does not read in full: cut, touching the border, off screen or too small a target."""
    bad = []
    for b in page.evaluate(LABELS_JS):
        if (b["overflow"] or b["textLeft"] < b["left"] + LABEL_MARGIN or b["textRight"] > b["right"] - LABEL_MARGIN
                or b["textTop"] < b["top"] or b["textBottom"] > b["bottom"] or b["right"] > b["vw"]
                or b["width"] < MIN_TARGET or b["height"] < MIN_TARGET or b["fontSize"] < 24):
            bad.append(b)
    return bad


def serious_axe(page):
    page.evaluate(axe_source())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]
            if v["impact"] in ("serious", "critical") or v["id"] in ("region", "scrollable-region-focusable")]
