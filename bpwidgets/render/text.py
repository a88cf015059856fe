"""Texts in a picture, placed by us, so the SVG is the same whatever fonts a machine has.

Graphviz measures every text it lays out with the fonts it finds (pango and fontconfig
in the pygraphviz wheel, Core Text on macOS): with DejaVu, with Liberation, with FreeSans
or with no fonts at all, the same graph came out with other coordinates. So Graphviz
never sees a text when it lays out an SVG:

1. Every text sits in a fixed-size table cell (``cell``), as wide as ``text_width``
   estimates from ``WIDTHS`` below, so no node's size depends on a font.
2. For an SVG, ``blank`` swaps each text cell's FONT for a placeholder background
   colour (``#fd0000``, ``#fd0001``, ...): Graphviz lays out and draws a DOT with no text
   in it, and draws each text cell as a rectangle of that colour, where the text goes.
3. ``place`` replaces each rectangle with the text, centred on it: ``text-anchor="middle"``
   at the rectangle's centre, on a baseline ``BASELINE`` font sizes below the middle,
   which centres digits and capitals in any sans-serif font.

The SVG's bytes then depend only on the pinned Graphviz (``engine.py``). A PNG is drawn
by Graphviz from the DOT with its texts (fonts are in the pixels anyway); its layout is
the same, because every cell has the same fixed size.
"""

import html
import math
import re

FONT_FAMILY = "Helvetica,sans-Serif"
"""What the SVG's texts ask for (as Graphviz writes Helvetica): browsers show Helvetica,
Arial, Liberation Sans, Nimbus Sans or FreeSans (all of Helvetica's widths), or DejaVu
Sans (wider) where none of those is installed."""

WIDTHS = {
    275: "'", 278: "ijl", 295: "I", 318: " ,.", 337: "/:;\\|", 350: "·", 353: "f",
    361: "-", 391: "()[]", 393: "t", 401: "!", 412: "r", 460: '"', 500: "*`", 521: "s",
    525: "z", 528: "J", 541: "ε", 550: "c", 556: "²³∂", 557: "?_", 563: "L", 580: "k",
    592: "vxyγλ", 603: "τ", 611: "F", 612: "oδθ", 613: "a", 616: "e", 632: "T",
    634: "hnuσ", 635: "bdgpq", 636: "Σ", 637: "$0123456789{}μ", 638: "√", 639: "β",
    660: "α", 667: "EPS", 674: "K", 678: "Y", 685: "AV", 686: "XZ", 687: "B", 690: "π",
    699: "Δ", 711: "φ", 723: "CR", 732: "U", 749: "N", 752: "H", 771: "D∑", 778: "G",
    780: "&", 788: "OQ", 818: "w", 838: "#+<=>^~ω×−", 863: "M", 951: "%", 975: "m",
    989: "W", 1000: "→←…", 1016: "@",
}
"""Advance widths in thousandths of the font size: for each character the largest of
Helvetica's (Adobe's AFM metrics, which Arial, Liberation Sans and Nimbus Sans share),
DejaVu Sans's and FreeSans's, so a text fits its cell in whichever of these fonts a
browser picks. Read from the font files with fontTools (DejaVu Sans 2.37, Liberation
Sans 2.1, FreeSans 2012) and matplotlib's phvr8a.afm."""

CHAR_WIDTHS = {ch: width / 1000 for width, chars in WIDTHS.items() for ch in chars}
OTHER_WIDTH = 1.1
"""Any character not in WIDTHS (other letters, CJK, emoji) counts 1.1 font sizes wide."""

PADDING = 2
"""Points of room either side of a text in its cell."""

BASELINE = 0.35
"""The baseline sits this many font sizes below the middle of the text's cell:
sans-serif digits and capitals are about 0.7 font sizes tall."""

PLACEHOLDER_PREFIX = "#fd"
MAX_TEXTS = 0x10000

# A text cell as ``cell`` writes it, and the rectangle Graphviz draws for a blanked one
# (Graphviz 14 writes stroke="none", 2.43 stroke="transparent").
TEXT_CELL = re.compile(r'<TD( COLSPAN="\d+")? FIXEDSIZE="TRUE" WIDTH="(\d+)" HEIGHT="(\d+)" '
                       r'ALIGN="\w+"><FONT POINT-SIZE="(\d+)" COLOR="([^"<>]*)">'
                       r'([^<>]*)</FONT></TD>')
RECTANGLE = re.compile(r'<polygon fill="#fd([0-9a-f]{4})" stroke="[^"]*" '
                       r'points="([^"]*)"/>')


def text_width(text, size):
    """How wide ``text`` is at ``size`` points in the widest of the fonts above (points)."""
    return size * sum(CHAR_WIDTHS.get(ch, OTHER_WIDTH) for ch in text)


def cell_width(text, size):
    """A cell's width (whole points) that holds ``text`` at ``size`` with PADDING."""
    return math.ceil(text_width(text, size) + 2 * PADDING)


def line_height(size):
    """A cell's height (whole points) for one line at ``size``."""
    return math.ceil(1.25 * size)


def cell(text, colour, size, width=None, height=None, align="CENTER", span=1):
    """A fixed-size table cell holding one line of ``text`` (raw, escaped here), in
    ``colour`` at ``size`` points; ``width`` and ``height`` default to what the text
    needs (``cell_width``, ``line_height``). An empty text leaves the cell empty
    (Graphviz refuses an empty FONT)."""
    width = cell_width(text, size) if width is None else width
    height = line_height(size) if height is None else height
    span = f' COLSPAN="{span}"' if span != 1 else ""
    font = (f'<FONT POINT-SIZE="{size}" COLOR="{html.escape(colour)}">'
            f'{html.escape(text)}</FONT>') if text else ""
    return (f'<TD{span} FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" '
            f'ALIGN="{align}">{font}</TD>')


def blank(source):
    """(the DOT ``source`` with every text cell's text replaced by a placeholder
    background colour, [(escaped text, colour, size) for each placeholder])."""
    texts = []

    def swap(match):
        span, width, height, size, colour, text = match.groups()
        if len(texts) >= MAX_TEXTS:
            raise ValueError(f"the picture has more than {MAX_TEXTS} texts")
        texts.append((text, colour, int(size)))
        return (f'<TD{span or ""} FIXEDSIZE="TRUE" WIDTH="{width}" HEIGHT="{height}" '
                f'BGCOLOR="{PLACEHOLDER_PREFIX}{len(texts) - 1:04x}"></TD>')
    return TEXT_CELL.sub(swap, source), texts


def place(svg, texts):
    """Graphviz's SVG of a ``blank``ed DOT with each placeholder rectangle replaced by
    its text, centred on it."""
    seen = set()

    def text(match):
        index = int(match.group(1), 16)
        if index >= len(texts) or index in seen:
            raise RuntimeError(f"unexpected text placeholder #fd{match.group(1)} in "
                               f"Graphviz's SVG")
        seen.add(index)
        words, colour, size = texts[index]
        points = [tuple(map(float, p.split(","))) for p in match.group(2).split()]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        x = (min(xs) + max(xs)) / 2
        y = (min(ys) + max(ys)) / 2 + BASELINE * size
        fill = "" if colour.lower() in ("black", "#000000") else f' fill="{colour}"'
        return (f'<text xml:space="preserve" text-anchor="middle" x="{_number(x)}" '
                f'y="{_number(y)}" font-family="{FONT_FAMILY}" font-size="{size:.2f}"'
                f'{fill}>{words}</text>')
    svg = RECTANGLE.sub(text, svg)
    if len(seen) != len(texts):
        raise RuntimeError(f"Graphviz's SVG holds {len(seen)} of the {len(texts)} "
                           f"text placeholders")
    return svg


def _number(value):
    """A coordinate as Graphviz writes it: at most two decimals, no trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
