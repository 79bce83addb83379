"""Messages of the engine, the trace and its renderings: key -> {"en": ..., "zh": ...}."""

MESSAGES: dict[str, dict[str, str]] = {}
