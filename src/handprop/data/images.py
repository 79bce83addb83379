"""A user's own image (PNG, JPEG, ...) turned into the input a digit model was trained on.

MNIST's images were made from scanned digits like this (LeCun et al.): the digit, white on
black, was size-normalised to fit a 20 x 20 box keeping its aspect ratio (anti-aliased, hence
grey levels), then placed in a 28 x 28 field so that its centre of mass is at the centre.
:func:`load_image` repeats those steps on any picture::

    open -> grayscale in [0, 1] -> invert if the background is light -> subtract the background
    -> crop to the digit's bounding box -> fit into 20 x 20 -> centre by mass in 28 x 28
    -> round to 0..pixel_max (uint8)

For another image shape (scikit-learn's 8 x 8 ``digits``, made by counting the pixels of
32 x 32 bitmaps in 4 x 4 blocks) the digit is fitted into the whole frame at 4x resolution,
centred, averaged down block by block, which is how those images were made, and stretched so
that its brightest cell is full ink.

Pillow is imported only here, inside the functions. The size of an image is checked from its
header, before any pixel is decoded, so a 50,000 x 50,000 "image" is refused without
allocating it.
"""

from __future__ import annotations

import io
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from handprop.errors import FileFormatError, InputError
from handprop.messages import Msg

#: largest width or height accepted, and largest number of pixels
MAX_SIDE = 10_000
MAX_PIXELS = 40_000_000
#: MNIST: the digit fits in BOX x BOX inside a FIELD x FIELD image
MNIST_FIELD = 28
MNIST_BOX = 20
#: a pixel counts as ink above this share of the darkest-to-lightest range
INK_THRESHOLD = 0.1


def load_image(
    path: str | os.PathLike[str],
    *,
    image_shape: tuple[int, int] = (28, 28),
    pixel_max: float = 255.0,
) -> NDArray[np.uint8]:
    """The picture at ``path`` as the model's input image: uint8 array of ``image_shape``.

    Values run from 0 (background) to ``pixel_max`` (full ink), as in the training images
    (255 for MNIST-like sets, 16 for ``digits``). Raises InputError for a missing file, an
    absurdly large or blank image; FileFormatError for a file Pillow cannot decode.
    """
    gray = read_grayscale(path)
    return digit_to_input(gray, image_shape=image_shape, pixel_max=pixel_max, source=str(path))


def read_grayscale(path: str | os.PathLike[str]) -> NDArray[np.float64]:
    """Decode ``path`` into grayscale floats in [0, 1] (H, W); the first frame if animated.

    Transparent pixels are composited onto a background that contrasts with the opaque ones,
    so a dark digit drawn on a transparent canvas is kept. 16-bit images keep their depth.
    """
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise InputError(
            "err.must",
            where="predict",
            name=str(path),
            expected=Msg("train.exp.existing_file"),
            got=Msg("train.got.missing"),
        )

    def unreadable(detail: str | Msg) -> FileFormatError:
        return FileFormatError("train.img.unreadable", path=str(path), detail=detail)

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(path)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_big(path, None, _claimed_pixels(exc)) from None
        except UnidentifiedImageError:
            raise unreadable(Msg("train.img.not_image")) from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise unreadable(_short(exc)) from None
    with image:
        width, height = image.size
        if width < 1 or height < 1 or width > MAX_SIDE or height > MAX_SIDE:
            raise _too_big(path, (width, height))
        if width * height > MAX_PIXELS:
            raise _too_big(path, (width, height))
        try:
            image.seek(0)
            image.load()
            return _to_gray(image)
        except (OSError, ValueError, SyntaxError, EOFError) as exc:
            raise unreadable(_short(exc)) from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 80 else text[:77] + "..."


def _claimed_pixels(exc: BaseException) -> str:
    """The pixel count in Pillow's bomb message ("Image size (2500000000 pixels) exceeds...")."""
    import re

    found = re.search(r"\((\d+) pixels\)", str(exc))
    return f"{int(found.group(1)):,} pixels" if found else "?"


def _too_big(path: Path, size: tuple[int, int] | None, claimed: str = "?") -> InputError:
    got = claimed if size is None else f"{size[0]} x {size[1]}"
    return InputError(
        "err.must",
        where="predict",
        name=str(path),
        expected=Msg("train.img.exp.size", side=MAX_SIDE, pixels=MAX_PIXELS),
        got=got,
    )


def _to_gray(image: Any) -> NDArray[np.float64]:
    mode = image.mode
    has_alpha = "A" in image.getbands() or (mode == "P" and "transparency" in image.info)
    if has_alpha:
        rgba = np.asarray(image.convert("RGBA"), dtype=np.float64) / 255.0
        rgb, alpha = rgba[..., :3], rgba[..., 3]
        lum = rgb @ np.array([0.299, 0.587, 0.114])  # ITU-R 601, as Pillow's "L"
        opaque = alpha > 0.5
        ink_is_dark = not opaque.any() or lum[opaque].mean() < 0.5
        background = 1.0 if ink_is_dark else 0.0
        return lum * alpha + background * (1.0 - alpha)
    if mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        return np.asarray(image, dtype=np.float64) / 65535.0
    if mode in ("I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        arr = np.nan_to_num(arr, nan=0.0, posinf=0.0, neginf=0.0)
        low, high = float(arr.min()), float(arr.max())
        return (arr - low) / (high - low) if high > low else np.zeros_like(arr)
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def digit_to_input(
    gray: NDArray[np.floating],
    *,
    image_shape: tuple[int, int] = (28, 28),
    pixel_max: float = 255.0,
    source: str = "image",
) -> NDArray[np.uint8]:
    """Grayscale ``gray`` (H, W) in [0, 1], any polarity -> the model's input (``image_shape``).

    See the module docstring for the steps. Raises InputError when no digit can be found.
    """
    if not (0 < pixel_max <= 255):
        raise InputError(
            "err.must",
            where="predict",
            name="pixel_max",
            expected=Msg("exp.range", low=1, high=255),
            got=repr(pixel_max),
        )
    arr = np.asarray(gray, dtype=np.float64)
    border = np.concatenate([arr[0], arr[-1], arr[:, 0], arr[:, -1]])
    background = float(np.median(border))
    if background > 0.5:  # light background: dark ink on paper -> white ink on black
        arr = 1.0 - arr
        background = 1.0 - background
    ink = np.clip(arr - background, 0.0, None)
    peak = float(ink.max()) if ink.size else 0.0
    if peak < 0.05:
        raise InputError("train.img.blank", path=source)
    ink /= peak
    rows = np.flatnonzero((ink > INK_THRESHOLD).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD).any(axis=0))
    digit = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    H, W = image_shape
    if (H, W) == (MNIST_FIELD, MNIST_FIELD):
        small = _fit_into(digit, MNIST_BOX, MNIST_BOX)
        field = _place_by_mass(small, H, W)
    else:
        factor = 4
        big = _fit_into(digit, H * factor, W * factor)
        canvas = np.zeros((H * factor, W * factor))
        top = (H * factor - big.shape[0]) // 2
        left = (W * factor - big.shape[1]) // 2
        canvas[top : top + big.shape[0], left : left + big.shape[1]] = big
        field = canvas.reshape(H, factor, W, factor).mean(axis=(1, 3))
        field /= field.max()  # thin strokes average below full ink; training images reach it
    return np.round(np.clip(field, 0.0, 1.0) * pixel_max).astype(np.uint8)


def _fit_into(digit: NDArray[np.float64], box_h: int, box_w: int) -> NDArray[np.float64]:
    """Resize ``digit`` (anti-aliased) so that it fits ``box_h x box_w`` keeping its aspect."""
    from PIL import Image

    h, w = digit.shape
    scale = min(box_h / h, box_w / w)
    new_h = max(1, min(box_h, round(h * scale)))
    new_w = max(1, min(box_w, round(w * scale)))
    image = Image.fromarray(digit.astype(np.float32))
    resized = image.resize((new_w, new_h), Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float64), 0.0, 1.0)


def _place_by_mass(small: NDArray[np.float64], H: int, W: int) -> NDArray[np.float64]:
    """Paste ``small`` into an H x W field so its centre of mass lands on the field's centre.

    The shift is rounded to whole pixels and limited so that the digit stays inside the field.
    """
    h, w = small.shape
    total = small.sum()
    if total > 0:
        cy = float((small.sum(axis=1) * np.arange(h)).sum() / total)
        cx = float((small.sum(axis=0) * np.arange(w)).sum() / total)
    else:
        cy, cx = (h - 1) / 2, (w - 1) / 2
    top = int(np.clip(round((H - 1) / 2 - cy), 0, H - h))
    left = int(np.clip(round((W - 1) / 2 - cx), 0, W - w))
    field = np.zeros((H, W))
    field[top : top + h, left : left + w] = small
    return field


def save_input_image(
    pixels: NDArray[Any], path: str | os.PathLike[str], *, pixel_max: float = 255.0
) -> None:
    """Write the model's input ``pixels`` (H, W) as an 8-bit grayscale PNG (atomically).

    Values are stretched from 0..pixel_max to 0..255, so what is saved is what the model saw.
    """
    from PIL import Image

    from handprop.fileio import write_atomic

    arr = np.asarray(pixels, dtype=np.float64)
    img = np.round(np.clip(arr / pixel_max, 0.0, 1.0) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="PNG")
    write_atomic(path, buf.getvalue())
