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


# The lines of each text (readings aside): a short fragment alone on a line although it would fit at the end of
# the line before (same paragraph), and a word with its reading (or its kana, 戻ります) split across two lines.
LINE_FAULTS_JS = """(selector) => { const faults = [];
  document.querySelectorAll(selector).forEach((el) => {
    if (!el.getClientRects().length) return;
    const style = getComputedStyle(el), box = el.getBoundingClientRect();
    const right = box.right - parseFloat(style.paddingRight), width = right - box.left - parseFloat(style.paddingLeft);
    const lines = []; let paragraph = 0;
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      if (node.nodeType === 1) { if (node.tagName === 'BR') paragraph += 1; continue; }
      if (node.parentElement.closest('rt, rp')) continue;
      const ruby = node.parentElement.closest('.w, ruby');  // a word with its reading (and its kana)
      for (let i = 0; i < node.length; i++) {
        if (/\\s/.test(node.data[i])) continue;
        const range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);
        const box = range.getClientRects()[0]; if (!box) continue;
        const mid = box.top + box.height / 2, last = lines[lines.length - 1];
        if (last && Math.abs(last.mid - mid) < 10) { last.text += node.data[i]; last.right = Math.max(last.right, box.right); last.words.add(ruby); }
        else lines.push({ mid, text: node.data[i], left: box.left, right: box.right, paragraph, words: new Set([ruby]) });
      }
    }
    lines.forEach((line, i) => { if (!i) return; const before = lines[i - 1];
      const short = line.text.replace(/[。、！？）」』]/g, '').length <= 3;
      if (short && line.paragraph === before.paragraph && right - before.right >= line.right - line.left - 1)
        faults.push(['alone', before.text, line.text]);
      // (a word wider than the line may wrap inside itself: it fills the line's whole width)
      before.words.forEach((w) => { if (w && line.words.has(w) && w.getBoundingClientRect().width < width - 2)
        faults.push(['split', before.text, line.text]); }); });
  });
  return faults; }"""


def line_faults(page, selector: str = ".message .text"):
    return page.evaluate(LINE_FAULTS_JS, selector)
