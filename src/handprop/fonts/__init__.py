"""The font handprop writes Chinese with, shipped in this folder: one place for every output.

``HandpropSansSC-Regular.otf`` is a subset of Noto Sans CJK SC Regular (SIL Open Font License
1.1, ``OFL.txt`` beside it) made by ``tools/make_cjk_font.py``: Latin, Greek, the sheets'
symbols and the 20,992 CJK Unified Ideographs of U+4E00..U+9FFF (every character of GB2312 and
GBK, so a Chinese roster's names print). It lacks a few symbols (ᵀ, ✗), which come from
DejaVu Sans, the font matplotlib ships. The PDF sheets (:mod:`handprop.render.pdf`) set their
text in this font with DejaVu Sans behind it (:data:`PDF_FAMILIES`); matplotlib draws with
:func:`matplotlib_family`, DejaVu Sans for Latin text as before and this font for the characters
DejaVu lacks, so every plot of handprop (training, the lab, the class report) shows Chinese on
any machine, with nothing to install.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
#: the font file and its family name (as its name table says)
CJK_FONT = FOLDER / "HandpropSansSC-Regular.otf"
CJK_FAMILY = "Handprop Sans SC"
#: matplotlib's own default family, kept first for Latin text
LATIN_FAMILY = "DejaVu Sans"
#: the families of the PDFs, the first that has a glyph drawing it
PDF_FAMILIES = (CJK_FAMILY, LATIN_FAMILY)


def latin_font() -> Path:
    """DejaVu Sans as matplotlib ships it."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


@cache
def matplotlib_family() -> list[str]:
    """The font families to give matplotlib (``fontfamily=`` or ``rcParams["font.sans-serif"]``):
    DejaVu Sans, then the shipped CJK font, which is registered with matplotlib on first call.

    matplotlib (3.6 and later) takes each glyph from the first family of the list that has it.
    """
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(CJK_FONT))
    return [LATIN_FAMILY, CJK_FAMILY]


@cache
def covered() -> frozenset[int]:
    """The code points the shipped font or DejaVu Sans has a glyph for."""
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path in (CJK_FONT, latin_font()):
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap())
    return frozenset(points)


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` (in order, once each) that neither font can draw; spaces and
    control characters are not drawn and never missing."""
    have = covered()
    out: list[str] = []
    for ch in text:
        if ch.isprintable() and not ch.isspace() and ord(ch) not in have and ch not in out:
            out.append(ch)
    return out
