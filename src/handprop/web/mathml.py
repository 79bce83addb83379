"""LaTeX formulas turned into MathML on the server, so the page needs no math library or CDN.

latex2mathml covers what the step page writes (fractions, sums, sub- and superscripts, Greek
letters, ``\\operatorname``); browsers render MathML Core natively (Chromium 109+, Firefox,
Safari). Conversions of the fixed formulas are cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

_PRIME = '<mo lspace="0" rspace="0">&#x02032;</mo>'
_SUP_PRIME = re.compile(r"<msup>(<mi>[^<]*</mi>)<mi>&#x02032;</mi></msup>")
_SUBSUP_PRIME = re.compile(
    r"<msubsup>(<mi>[^<]*</mi>)(<mrow>(?:(?!</?mrow>).)*</mrow>|<m[in]>[^<]*</m[in]>)"
    r"<mi>&#x02032;</mi></msubsup>"
)
_UNARY_MINUS = re.compile(r"((?:<mo[^>]*>[^<]*</mo>)|<mrow>)<mo>&#x02212;</mo><mn>([^<]*)</mn>")


@lru_cache(maxsize=512)
def mathml(latex: str, block: bool = True) -> str:
    """``latex`` as a ``<math>`` element (``display="block"`` unless ``block`` is False).

    A prime (``b'``, ``w_{2,1}'``) is written after its letter rather than as a superscript:
    the prime glyph is raised already, and as a superscript it would float too high. A minus
    sign right after an operator or at the start is a negative number's sign: ``(-0.708)``,
    not the spaced binary operator ``( - 0.708)``.
    """
    from latex2mathml.converter import convert

    out = convert(latex, display="block" if block else "inline")
    out = _UNARY_MINUS.sub(lambda m: f"{m.group(1)}<mn>&#x02212;{m.group(2)}</mn>", out)
    out = _SUP_PRIME.sub(lambda m: f"<mrow>{m.group(1)}{_PRIME}</mrow>", out)
    return _SUBSUP_PRIME.sub(
        lambda m: f"<mrow><msub>{m.group(1)}{m.group(2)}</msub>{_PRIME}</mrow>", out
    )
