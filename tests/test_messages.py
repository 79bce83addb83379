"""The message catalogue: every key in both languages, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import handprop
from handprop.messages import CATALOGUE, LANGS, Msg, _core, placeholders, t

KEYS = sorted(CATALOGUE)
SRC = Path(handprop.__file__).parent


def test_catalogue_is_not_empty_and_covers_the_core():
    assert len(KEYS) > 50
    assert set(_core.MESSAGES) <= set(CATALOGUE)


@pytest.mark.parametrize("key", KEYS)
def test_every_key_has_both_languages_with_the_same_placeholders(key):
    texts = CATALOGUE[key]
    assert set(texts) == set(LANGS), key
    for lang in LANGS:
        assert isinstance(texts[lang], str) and texts[lang].strip(), (key, lang)
    assert placeholders(texts["en"]) == placeholders(texts["zh"]), key


@pytest.mark.parametrize("key", KEYS)
def test_t_fills_every_placeholder(key):
    names = placeholders(CATALOGUE[key]["en"])
    params = {name: f"<{name}>" for name in names}
    for lang in LANGS:
        text = t(key, lang, **params)
        for name in names:
            assert f"<{name}>" in text, (key, lang, name)
        assert not re.search(r"\{[A-Za-z_]\w*\}", text), (key, lang, text)


def test_chinese_texts_are_chinese_and_english_texts_are_not():
    for key in _core.MESSAGES:
        en, zh = CATALOGUE[key]["en"], CATALOGUE[key]["zh"]
        assert not re.search(r"[\u4e00-\u9fff]", en), key
        words = re.sub(r"\{\w+\}", "", en).replace("softmax", "").replace("logit", "")
        if re.search(r"[A-Za-z]{4,}", words):
            assert re.search(r"[\u4e00-\u9fff]", zh) or en == zh, key


def test_nested_messages_are_translated():
    msg = Msg("core.field.lr")
    assert t("core.err.missing_key", "en", where="p.toml", field="lr", what=msg) == (
        "p.toml: the key lr is missing; it must give the learning rate, a number > 0."
    )
    assert t("core.err.missing_key", "zh", where="p.toml", field="lr", what=msg) == (
        "p.toml：缺少键 lr；它应当给出学习率（大于 0 的数）。"
    )


def _used_core_keys() -> set[str]:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        if "messages" in path.parts:
            continue
        used |= set(re.findall(r"[\"'](core\.[a-z_.]+[a-z_])[\"']", path.read_text("utf-8")))
    return used


def test_every_core_key_used_in_the_code_exists():
    missing = sorted(_used_core_keys() - set(CATALOGUE))
    assert missing == []


def test_every_core_key_is_used():
    used = _used_core_keys()
    # keys built at run time: f"core.field.{key}", f"core.col.{c}", f"core.cli.cmd.{name}",
    # a section's title and reasons f"core.sec.{id}", f"core.why.{key}"
    dynamic = ("core.field.", "core.col.", "core.cli.cmd.", "core.sec.", "core.why.")
    unused = sorted(k for k in _core.MESSAGES if k not in used and not k.startswith(dynamic))
    assert unused == []


def test_a_chinese_template_keeps_a_space_only_beside_latin_words_and_numbers():
    # the space around a placeholder goes where a Chinese word is filled in
    assert t("core.pred.wrong", "zh", pred="猪", pct="55.4%", true="狗", true_pct="29.2%") == (
        "✗ 猜错了：模型押在猪（55.4%）上，正确答案却是狗（29.2%）。"
    )
    assert t("core.pred.wrong", "zh", pred="pig", pct="55.4%", true="dog", true_pct="29.2%") == (
        "✗ 猜错了：模型押在 pig（55.4%）上，正确答案却是 dog（29.2%）。"
    )
    assert (
        t("core.update.true_row", "zh", row=3, label="第 3 类")
        == "第 3 行（正确类别：第 3 类）逐个计算："
    )
    # English is never touched
    assert t("core.named", "en", name="Z1", label="cat") == "Z1 (cat)"


def test_english_has_no_parenthesised_plurals():
    # scikit-learn's own check_estimator matches "0 feature(s)": those two units keep its words
    sklearn = {"model.unit.samples", "model.unit.features"}
    plural = [k for k, v in CATALOGUE.items() if "(s)" in v["en"] and k not in sklearn]
    assert plural == []
