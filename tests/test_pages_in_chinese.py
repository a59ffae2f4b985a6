"""Every page in Chinese says nothing in English prose: each sentence goes through the translation table, and so
does every word a page puts into one (a classifier's description, a factor's name). Code, names of methods and
models, and units stay as they are; three English words in a row do not."""

from __future__ import annotations

import re

import pytest

from links import open_with
from ui.catalog import ROOT, list_models
from ui.teaching.lesson import STEPS

PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
# Three or more lowercase words in a row (the first may be capitalised or possessive): prose, not a name like
# "FactorVAE" or "GradientBoostingClassifier()". `code` spans and addresses are left out before looking.
PROSE = re.compile(r"(?<![\w.\-/])[A-Za-z][a-z]+(?:['’]s)?(?:[ ,]+[a-z]{2,}){2,}")
CODE = re.compile(r"`[^`]*`|https?://\S+")
TEXT_ELEMENTS = ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success",
                 "button", "selectbox", "radio", "slider", "toggle", "checkbox", "text_input", "number_input",
                 "expander", "tabs")


def english_prose(text: str) -> list[str]:
    return PROSE.findall(CODE.sub("", text))


def test_the_rule_finds_prose_and_passes_names():
    assert english_prose("DCI 的分类器：GradientBoostingClassifier()'s trees on presorted codes，每个因素一个。")
    assert not english_prose("β-VAE 的 MIG 为 0.35，FactorVAE 为 0.59（Locatello 等人，2019），见 `python -m vae train`")


def assert_no_english_prose(at, where: str) -> None:
    assert not at.exception, where
    texts = [getattr(el.proto, attr) for kind in TEXT_ELEMENTS for el in at.get(kind)
             for attr in ("value", "label", "body", "help", "placeholder")
             if isinstance(getattr(el.proto, attr, None), str)]
    assert any(re.search(r"[\u4e00-\u9fff]", text) for text in texts), where  # it drew its text, in Chinese
    found = {words for text in texts for words in english_prose(text)}
    assert not found, f"{where}: {sorted(found)}"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_in_chinese_holds_no_english_prose(page, open_page, tmp_path, monkeypatch):
    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    models = {m.name: m.path for m in list_models()}
    at = open_page(page, models["shapes-beta32"] if "disentangle" in page or "traversal" in page
                   else models["digits-vae"], "zh")
    assert_no_english_prose(at, page)


@pytest.mark.parametrize("n", range(1, len(STEPS) + 1), ids=[s.name for s in STEPS])
def test_every_lesson_step_in_chinese_holds_no_english_prose(n, tmp_path, monkeypatch):
    """Each step's saved view, as a student opens its link: the page in the state the step sets, with its panel."""
    monkeypatch.setenv("VAE_RUNS_DIR", str(tmp_path))
    monkeypatch.setattr("ui.i18n.DEFAULT_LANGUAGE", "zh")
    step = STEPS[n - 1]
    assert_no_english_prose(open_with(step.page, **step.query(n, "zh")), f"step {n}: {step.page}")
