"""Check one SGD step worked out by hand, quantity by quantity, as a careful human marker would.

Three modules, one job each:

* :mod:`~handprop.checker.marking`: the exact values, the tolerances and the named mistakes
  (declarative rules over :mod:`handprop.functional`), and :class:`Marker`, which marks;
* :mod:`~handprop.checker.answers`: answer files read, parsed and validated;
* :mod:`~handprop.checker.report`: the verdict (:class:`Report`) as sentences, JSON and a table.

The names below are the public API; import them from here::

    from handprop.checker import check_file, render_report_text
    print(render_report_text(check_file("p.answers.toml"), "zh"))
"""

from __future__ import annotations

from handprop.checker.answers import (
    ANSWER_KEYS,
    MAX_FILE_BYTES,
    AnswerSheet,
    answers_from_mapping,
    check_answers,
    check_file,
    load_answers,
    parse_answers,
)
from handprop.checker.marking import (
    MATRICES,
    MAX_DECIMALS,
    MAX_SIDE,
    MIN_DECIMALS,
    MISTAKES,
    QUANTITIES,
    RULES,
    SCALARS,
    Marker,
    check_decimals,
    check_size,
    quantity_shape,
    rounded_chain,
)
from handprop.checker.report import (
    DEFAULT_DECIMALS,
    STATUSES,
    Report,
    StepResult,
    build_report_text,
    entry_names,
    mistake_label,
    render_report_text,
)

__all__ = [
    "ANSWER_KEYS",
    "DEFAULT_DECIMALS",
    "MATRICES",
    "MAX_DECIMALS",
    "MAX_FILE_BYTES",
    "MAX_SIDE",
    "MIN_DECIMALS",
    "MISTAKES",
    "QUANTITIES",
    "RULES",
    "SCALARS",
    "STATUSES",
    "AnswerSheet",
    "Marker",
    "Report",
    "StepResult",
    "answers_from_mapping",
    "build_report_text",
    "check_answers",
    "check_decimals",
    "check_file",
    "check_size",
    "entry_names",
    "load_answers",
    "mistake_label",
    "parse_answers",
    "quantity_shape",
    "render_report_text",
    "rounded_chain",
]
