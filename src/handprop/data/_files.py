"""Moved to :mod:`handprop.fileio`; kept so that older imports keep working."""

from handprop.fileio import atomic_write

__all__ = ["atomic_write"]
