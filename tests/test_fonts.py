"""The shipped CJK font: it draws every Chinese word handprop writes, in PDFs and in plots."""

from __future__ import annotations

import warnings

import numpy as np

from handprop import fonts
from handprop.messages import CATALOGUE


def test_the_font_is_the_shipped_subset_with_its_licence():
    assert fonts.CJK_FONT.is_file() and (fonts.FOLDER / "OFL.txt").is_file()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts.FOLDER / "OFL.txt").read_text("utf-8")
    have = fonts.covered()
    assert all(cp in have for cp in range(0x4E00, 0x9FF0))  # every CJK Unified Ideograph of 2018
    assert all(ord(ch) in have for ch in "δηΣ∂≈′ᵀ↑↓✓✗→←·…，。：（）")


def test_every_chinese_message_can_be_drawn():
    missing = {
        key: fonts.missing_characters(texts["zh"])
        for key, texts in CATALOGUE.items()
        if fonts.missing_characters(texts["zh"])
    }
    assert not missing


def test_names_outside_the_font_are_found():
    assert fonts.missing_characters("张伟 Zoë Łukasz 喆") == []
    assert fonts.missing_characters("𠀀 a 𠀀") == ["𠀀"]  # CJK Extension B


def test_matplotlib_draws_chinese_with_the_family(tmp_path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def ink(text: str) -> np.ndarray:
        fig = Figure(figsize=(2, 1), dpi=50)
        fig.text(0.1, 0.4, text, fontfamily=fonts.matplotlib_family(), fontsize=20)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        return np.asarray(canvas.buffer_rgba())[..., 0] < 128

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" is a warning
        one, other = ink("训练"), ink("测试")
    assert one.sum() > 30 and not np.array_equal(one, other)  # two words, two drawings
