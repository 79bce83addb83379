"""Make the CJK font that handprop ships: a subset of Noto Sans CJK SC Regular (SIL OFL 1.1).

    apt-get install fonts-noto-cjk          # Debian 12: 1:20220127+repack1-1
    python tools/make_cjk_font.py           # writes src/handprop/fonts/HandpropSansSC-Regular.otf

What it keeps: Latin (ASCII to Latin Extended-B, so names such as Zoë or Łukasz print), Greek,
the punctuation, arrows and mathematical symbols of the sheets (δ η Σ ∂ ≈ ′ ᵀ ↑ ↓ ✓ ✗), CJK
punctuation, kana and full-width forms, and every CJK Unified Ideograph of U+4E00..U+9FFF (20,992
characters: all of GB2312 and GBK, so the names of a Chinese roster print). Left out: the other
CJK scripts' glyphs, vertical writing, OpenType layout and hinting, which sheets and plots do not
use. The OFL lets a subset be shipped under a new name (a Reserved Font Name may not be kept), so
the family is renamed "Handprop Sans SC"; its licence is beside it (OFL.txt).
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the collection's Simplified Chinese face
TARGET = Path(__file__).resolve().parent.parent / "src/handprop/fonts/HandpropSansSC-Regular.otf"
FAMILY = "Handprop Sans SC"

RANGES = (
    (0x20, 0x7E),  # ASCII
    (0xA0, 0x24F),  # Latin-1 supplement, Latin Extended-A and -B
    (0x370, 0x3FF),  # Greek
    (0x1D00, 0x1DBF),  # phonetic extensions: the superscript T of xᵀ
    (0x2000, 0x209F),  # punctuation, super- and subscripts
    (0x2190, 0x23FF),  # arrows, mathematical operators, technical (⎡ ⎤)
    (0x2500, 0x27BF),  # box drawing, blocks, shapes, dingbats (✓ ✗)
    (0x3000, 0x30FF),  # CJK symbols and punctuation, kana (the Kuzushiji of KMNIST)
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xFF00, 0xFFEF),  # full-width forms
)


def main() -> int:
    font = TTFont(SOURCE, fontNumber=SC_INDEX)
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.drop_tables += ["GSUB", "GPOS", "VORG", "vhea", "vmtx", "BASE"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for lo, hi in RANGES for u in range(lo, hi + 1)])
    subsetter.subset(font)
    _rename(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(TARGET)
    print(f"wrote {TARGET} ({TARGET.stat().st_size:,} bytes, {len(font.getGlyphOrder()):,} glyphs)")
    return 0


def _rename(font: TTFont) -> None:
    """The family called FAMILY (the OFL's Reserved Font Name rule), the CFF names to match."""
    postscript = FAMILY.replace(" ", "") + "-Regular"
    names = {1: FAMILY, 2: "Regular", 3: f"{postscript};subset of Noto Sans CJK SC 2.004",
             4: f"{FAMILY} Regular", 6: postscript, 16: FAMILY, 17: "Regular"}  # fmt: skip
    table = font["name"]
    for record in list(table.names):
        if record.nameID in names or record.nameID in (16, 17, 21, 22):
            table.removeNames(nameID=record.nameID)
    for name_id, text in names.items():
        table.setName(text, name_id, 3, 1, 0x409)
        table.setName(text, name_id, 1, 0, 0)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FamilyName, top.FullName = FAMILY, f"{FAMILY} Regular"


if __name__ == "__main__":
    sys.exit(main())
