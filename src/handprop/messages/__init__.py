"""Every user-visible sentence of handprop, in English and Chinese, in one place.

Each area keeps its table in its own module (``_core``, ``_errors``, ...), all merged here into
``CATALOGUE``; ``tests/test_messages.py`` checks that every key has both languages with the same
placeholders. Look text up with :func:`t`; pass :class:`Msg` as a parameter to nest one
translated phrase inside another.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from handprop.messages import _core, _data, _errors, _exercise, _export, _input, _lab, _train, _web

LANGS = ("en", "zh")

CATALOGUE: dict[str, dict[str, str]] = {}
for _table in (_core, _errors, _data, _train, _exercise, _lab, _web, _input, _export):
    for _key, _texts in _table.MESSAGES.items():
        if _key in CATALOGUE:
            raise RuntimeError(f"message key {_key!r} is defined twice")
        CATALOGUE[_key] = _texts


@dataclass(frozen=True)
class Msg:
    """A message key with parameters, translated when it is shown."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, key: str, **params: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "params", params)

    def text(self, lang: str = "en") -> str:
        return t(self.key, lang, **self.params)

    def __str__(self) -> str:
        return self.text("en")


def known_lang(value: object) -> str | None:
    """ "zh" or "en" for a language tag that names one of them ("zh_CN", "en-GB"), else None."""
    if not isinstance(value, str):
        return None
    tag = value.lower().replace("_", "-")
    return next((lang for lang in LANGS if tag.startswith(lang)), None)


def resolve_lang(lang: str | None = None) -> str:
    """The language to use: ``lang`` if it names one we have, else zh when the locale says
    Chinese, else en. Whoever lets a user choose (``--lang``, a request's ``lang``) refuses
    other values there, with the choices in the message."""
    chosen = known_lang(lang)
    if chosen is not None:
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


#: a space between two Chinese characters (or full-width punctuation) is not written
_ZH_GAP = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"
)


def t(key: str, lang: str = "en", **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in (Msg parameters translated).

    A Chinese template keeps a space around a placeholder, as between Chinese and a Latin word
    or a number; where the value filled in is Chinese itself, that space goes ("押在猪上", not
    "押在 猪 上").
    """
    texts = CATALOGUE[key]
    template = texts.get(lang) or texts["en"]
    values = {k: (v.text(lang) if isinstance(v, Msg) else v) for k, v in params.items()}
    text = template.format(**values)
    return _ZH_GAP.sub("", text) if lang == "zh" else text


def placeholders(template: str) -> set[str]:
    """The ``{names}`` used in a template (format specs ignored)."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
