"""One module per command family; :mod:`handprop.cli` imports them only when used."""
