"""The caption font (DejaVu Sans Bold): which characters it can draw, and how wide text is.

Captions and the hook title are laid out here, before libass renders them, so line breaks and
font sizes are decided from the font's own advance widths: a line we measure as fitting is a
line libass draws inside the safe area. Characters the font has no glyph for (emoji, most CJK)
are dropped rather than left to a fallback font, which may be absent (a box) or wider than
measured (text past the safe area).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from backend.pipeline.errors import RenderError

FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
FONT_PACKAGE = "fonts-dejavu-core"
FONT_FAMILY = "DejaVu Sans"

# Invisible joiners and selectors that only make sense inside emoji or script sequences: with
# the emoji dropped they would be left dangling (the font maps some of them to empty glyphs).
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Font:
    path: Path
    family: str
    units_per_em: int
    # libass sizes a font so that its ascent + descent (OS/2 win metrics, the VSFilter rule)
    # equals the ASS font size: that sum, in font units, is one line of text.
    line_units: int
    advances: Mapping[int, int]  # codepoint -> advance width in font units

    @property
    def codepoints(self) -> frozenset[int]:
        return frozenset(self.advances)

    def covers(self, char: str) -> bool:
        return ord(char) in self.advances


@functools.cache
def caption_font() -> Font:
    """The caption font, read once; RenderError naming the package when it is not installed."""
    if not FONT_PATH.is_file():
        raise RenderError(
            f"The caption font {FONT_PATH} is missing: install the Debian package {FONT_PACKAGE}"
        )
    from fontTools.ttLib import TTFont  # imported here: only rendering needs fontTools

    try:
        font = TTFont(str(FONT_PATH), lazy=True)
        cmap = font.getBestCmap()
        hmtx = font["hmtx"]
        advances = {code: int(hmtx[glyph][0]) for code, glyph in cmap.items()}
        os2 = font["OS/2"]
        return Font(
            path=FONT_PATH,
            family=FONT_FAMILY,
            units_per_em=int(font["head"].unitsPerEm),
            line_units=int(os2.usWinAscent) + int(os2.usWinDescent),
            advances=advances,
        )
    except Exception as exc:  # a truncated or foreign file in the font's place
        raise RenderError(
            f"The caption font {FONT_PATH} cannot be read ({exc}): reinstall {FONT_PACKAGE}"
        ) from exc


def _keep(char: str, font: Font) -> bool:
    if _VARIATION_SELECTORS.match(char) or unicodedata.category(char) in _DROPPED_CATEGORIES:
        return False
    return font.covers(char)


def renderable(text: str) -> str:
    """`text` without the characters the caption font cannot draw, whitespace collapsed.

    "Fire 🔥 sale ✨!" becomes "Fire sale !": nothing renders as a box or through a fallback
    font whose width was never measured.
    """
    font = caption_font()
    kept = "".join(" " if char.isspace() else char for char in text if char.isspace() or _keep(char, font))
    return _SPACES.sub(" ", kept).strip()


def text_width(text: str, size_px: float) -> float:
    """Width in pixels of `text` drawn at ASS font size `size_px` (no kerning: an upper bound).

    Characters the font lacks count as nothing; pass text through `renderable` first.
    """
    font = caption_font()
    units = sum(font.advances.get(ord(char), 0) for char in text)
    return units * size_px / font.line_units
