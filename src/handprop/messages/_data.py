"""Messages of this area: key -> {"en": ..., "zh": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
