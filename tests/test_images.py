"""A user's picture -> the 28 x 28 (or 8 x 8) input the model saw, as MNIST was made."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from handprop.data.images import MAX_SIDE, digit_to_input, load_image, save_input_image
from handprop.errors import FileFormatError, InputError


def draw_seven(size=(120, 160), ink=0, paper=255, mode="L", offset=(0, 0)) -> Image.Image:
    """A '7' drawn with thick strokes somewhere on a canvas."""
    image = Image.new(mode, size, paper)
    draw = ImageDraw.Draw(image)
    dx, dy = offset
    draw.line([(20 + dx, 20 + dy), (90 + dx, 20 + dy)], fill=ink, width=12)
    draw.line([(90 + dx, 20 + dy), (45 + dx, 140 + dy)], fill=ink, width=12)
    return image


def ink_box(arr: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero(arr.any(axis=1))
    cols = np.flatnonzero(arr.any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(arr: np.ndarray) -> tuple[float, float]:
    a = arr.astype(np.float64)
    ys, xs = np.indices(a.shape)
    return float((a * ys).sum() / a.sum()), float((a * xs).sum() / a.sum())


def test_dark_ink_on_paper_becomes_an_mnist_like_digit(tmp_path: Path):
    path = tmp_path / "seven.png"
    draw_seven().save(path)
    x = load_image(path)
    assert x.shape == (28, 28) and x.dtype == np.uint8
    assert x[0].max() == 0 and x[:, 0].max() == 0  # black background
    assert x.max() == 255  # full ink, as MNIST's strokes
    height, width = ink_box(x)
    assert height == 20 and width <= 20  # the longer side fits the 20 x 20 box
    cy, cx = centre_of_mass(x)
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5


def test_polarity_position_and_size_do_not_matter(tmp_path: Path):
    draw_seven().save(tmp_path / "a.png")
    draw_seven(ink=255, paper=0).save(tmp_path / "b.png")  # white on black already
    big = draw_seven(size=(400, 500), offset=(200, 250))
    big.save(tmp_path / "c.png")
    a, b, c = (load_image(tmp_path / n).astype(int) for n in ("a.png", "b.png", "c.png"))
    assert np.array_equal(a, b)
    assert np.array_equal(a, c)  # same digit moved on a larger canvas: same input


def test_colour_alpha_16_bit_cmyk_and_animated_images(tmp_path: Path):
    reference = load_image(_save(draw_seven(), tmp_path / "ref.png")).astype(int)
    rgba = Image.new("RGBA", (120, 160), (0, 0, 0, 0))  # transparent canvas
    ImageDraw.Draw(rgba).line([(20, 20), (90, 20)], fill=(0, 0, 0, 255), width=12)
    ImageDraw.Draw(rgba).line([(90, 20), (45, 140)], fill=(0, 0, 0, 255), width=12)
    assert np.array_equal(load_image(_save(rgba, tmp_path / "alpha.png")).astype(int), reference)
    blue = draw_seven(mode="RGB", ink=(20, 20, 200), paper=(250, 250, 240))
    assert np.abs(load_image(_save(blue, tmp_path / "blue.png")).astype(int) - reference).max() < 40
    sixteen = Image.fromarray((np.asarray(draw_seven(), dtype=np.uint16) * 257).astype(np.uint16))
    assert sixteen.mode.startswith("I;16")
    assert np.array_equal(load_image(_save(sixteen, tmp_path / "deep.png")).astype(int), reference)
    cmyk = draw_seven(mode="RGB", ink=(0, 0, 0), paper=(255, 255, 255)).convert("CMYK")
    jpeg = load_image(_save(cmyk, tmp_path / "cmyk.jpg", quality=95)).astype(int)
    assert np.abs(jpeg - reference).mean() < 10  # JPEG blurs a little
    first, second = draw_seven(), Image.new("L", (120, 160), 255)
    first.save(tmp_path / "anim.gif", save_all=True, append_images=[second], duration=100)
    assert np.array_equal(load_image(tmp_path / "anim.gif").astype(int), reference)


def _save(image: Image.Image, path: Path, **kw) -> Path:
    image.save(path, **kw)
    return path


def test_digits_shape_uses_the_whole_8x8_frame_and_0_to_16(tmp_path: Path):
    x = load_image(_save(draw_seven(), tmp_path / "s.png"), image_shape=(8, 8), pixel_max=16)
    assert x.shape == (8, 8) and x.dtype == np.uint8
    assert x.max() == 16 and x.min() == 0
    assert ink_box(x)[0] == 8  # the digit spans the full height, as in scikit-learn's digits


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height, with no pixel data behind it."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(tag + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("content", "error", "text"),
    [
        (b"", FileFormatError, "cannot read this image"),
        (b"hello, I am text", FileFormatError, "not an image format Pillow knows"),
        (png_header_only(50_000, 50_000), InputError, "at most 10000 pixels per side"),
        (png_header_only(MAX_SIDE + 1, 10), InputError, "got 10001 x 10."),
        (png_header_only(7000, 7000), InputError, "and 40000000 pixels in all"),
        (png_header_only(100, 100), FileFormatError, "cannot read this image"),
    ],
)
def test_bad_files_are_clear_errors_before_decoding(tmp_path: Path, content, error, text):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(error) as info:
        load_image(path)
    assert text in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_truncated_png_and_missing_file(tmp_path: Path):
    data = _save(draw_seven(size=(300, 300)), tmp_path / "full.png").read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cannot read this image"):
        load_image(cut)
    with pytest.raises(InputError, match="must be an existing file"):
        load_image(tmp_path / "nothing.png")


def test_blank_image_has_no_digit(tmp_path: Path):
    with pytest.raises(InputError, match="no digit found"):
        load_image(_save(Image.new("L", (50, 50), 200), tmp_path / "blank.png"))
    with pytest.raises(InputError, match="pixel_max must be in"):
        digit_to_input(np.eye(5), pixel_max=1000)


def test_save_input_image_writes_what_the_model_saw(tmp_path: Path):
    x = load_image(_save(draw_seven(), tmp_path / "s.png"), image_shape=(8, 8), pixel_max=16)
    out = tmp_path / "seen.png"
    save_input_image(x, out, pixel_max=16)
    back = np.asarray(Image.open(out))
    assert back.shape == (8, 8)
    assert np.array_equal(back, np.round(x / 16 * 255).astype(np.uint8))
