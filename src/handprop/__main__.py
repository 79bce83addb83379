"""``python -m handprop`` runs the command line."""

from handprop.cli import entry_point

entry_point()
