"""Every fact a lesson step states about its screen holds on the shipped assets (ui.teaching.claims), and the
numbers its texts show are the measured ones, in both languages: a retrained asset that breaks a claim fails
here, not in front of a class."""

from __future__ import annotations

import re
import string

import pytest

from ui.i18n import table
from ui.teaching.lesson import PARTS, STEPS
from ui.teaching.claims import CLAIMS, MISSING, Said, check, text_values



def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def texts(step) -> list[str]:
    """Both languages' title, say, point and ask of a step, as templates."""
    return [text for part in PARTS for text in table()[f"lesson_{step.name}_{part}"]]


def sentences(values: dict) -> list[Said]:
    return [v for v in values.values() if isinstance(v, Said)]


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_what_the_step_says_holds_on_the_shipped_assets(step):
    measured, broken = check(step)
    assert not broken, f"step {step.name} says what the assets contradict: {broken}; measured {measured}"
    shown = CLAIMS[step.name].show(measured)
    assert set(shown) == set(CLAIMS[step.name].shows)
    for said in sentences(shown):  # a sentence chosen by the measurement exists and uses only its values
        for text in table()[said.key]:
            assert fields(text) <= set(said.values), said.key


@pytest.mark.parametrize("step", STEPS, ids=[s.name for s in STEPS])
def test_the_texts_show_measured_numbers_not_typed_ones(step):
    claim = CLAIMS[step.name]
    offered = set(claim.shows) | set(claim.labels)
    english, chinese = set(), set()
    for part in PARTS:
        en, zh = table()[f"lesson_{step.name}_{part}"]
        english |= fields(en)
        chinese |= fields(zh)
        for text in (en, zh):
            typed = re.sub(r"\{[^{}]*\}", "", text)
            assert not re.search(r"[0-9]", typed), f"lesson_{step.name}_{part} types a number: {text!r}"
    assert english == chinese, f"step {step.name}: both languages show the same numbers"
    assert english <= offered, f"step {step.name} shows {english - offered}, which no check measures"
    assert offered <= english, f"step {step.name} measures {offered - english} but never shows it"
    for key in claim.labels.values():
        assert key in table(), key


def test_every_step_has_one_claim_entry():
    assert set(CLAIMS) == {step.name for step in STEPS}


def test_a_step_whose_numbers_cannot_be_measured_still_reads(monkeypatch):
    from vae.data import DatasetUnavailable

    def unavailable(*_):
        raise DatasetUnavailable("Fashion-MNIST is not installed")

    monkeypatch.setattr("ui.teaching.claims._measured", unavailable)
    step = next(s for s in STEPS if s.name == "restore")
    values = text_values(step)
    assert values == {name: MISSING for name in CLAIMS["restore"].shows}
    for text in texts(step):
        assert MISSING in text.format(**values) or not fields(text)
