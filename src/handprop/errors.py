"""Errors that handprop reports to a user in one line, and its one warning.

Every error carries a message key and its parameters rather than finished text, so the same
error reads in English (``str(err)``) or Chinese (``err.message("zh")``). The command line
prints ``Error: <message>`` and exits with ``exit_code`` (2 for bad input).
"""

from __future__ import annotations

from typing import Any

from handprop.messages import Msg, t


class HandpropError(Exception):
    """Base class: something the user can fix, reported without a traceback."""

    exit_code = 2

    def __init__(self, key: str, **params: Any) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The one-line message in ``lang`` ("en" or "zh"); a line break or other control
        character that came in with the user's input is shown escaped (``\\n``)."""
        return _one_line(t(self.key, lang, **self.params))

    def as_msg(self) -> Msg:
        return Msg(self.key, **self.params)


def _one_line(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class InputError(HandpropError, ValueError):
    """A value given by the user is not what was expected (shape, range, type)."""


class InputTypeError(InputError, TypeError):
    """A value of the wrong type (e.g. text where numbers are expected)."""


class ShapeError(InputError):
    """An array has the wrong number of dimensions or the wrong size."""


class FileWriteError(InputError, OSError):
    """A file could not be written (missing or read-only folder, full disk); the old file, if
    any, is left as it was. Also an OSError, so code that handles OSError keeps working."""


class FileFormatError(HandpropError):
    """A file exists but its contents are not in the expected format."""


class ChecksumError(HandpropError):
    """A downloaded or cached file does not have the published checksum."""


class DownloadError(HandpropError):
    """No mirror could deliver a file."""


class TrainingDivergedError(HandpropError):
    """The loss became NaN or infinite during training.

    ``state`` is the last good :class:`~handprop.train.TrainState` (the weights before the
    step whose loss was not finite), ``engine`` the name of the engine that trained and
    ``stopped_at`` the (epoch, batch), 1-based, whose loss was not finite.
    """

    state: Any = None
    engine: str = ""
    stopped_at: tuple[int, int] | None = None


class NotFittedError(HandpropError, ValueError, AttributeError):
    """The estimator is used before ``fit``; also a scikit-learn ``NotFittedError`` if installed."""


class DataConversionWarning(UserWarning):
    """Input was converted to the expected layout (named as scikit-learn's warning)."""
