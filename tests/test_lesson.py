"""The guided lesson: 8-12 steps covering the topics a class needs, every step's saved view opens its page
with every parameter used (none ignored, none refused), Next / Previous walk the path (tests/test_browser_share.py), and the handout
lists every step with its link, in both languages."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from links import hrefs, open_with
from ui import url_state
from ui.catalog import ROOT, list_models
from ui.i18n import table
from ui.teaching.lesson import PARTS, STEPS, handout

TOPICS = {"autoencoder", "sampling", "map", "interpolation", "traversal", "conditional", "restore", "anomaly",
          "codes", "train"}  # what the issue asks the path to cover (β is shown beside the traversal)


def test_the_path_covers_the_lesson():
    assert 8 <= len(STEPS) <= 12
    assert TOPICS <= {step.name for step in STEPS}
    pretrained = {m.name for m in list_models() if m.pretrained}
    for step in STEPS:
        assert step.model in pretrained, step
        assert (ROOT / step.page).is_file(), step
        for part in PARTS:
            english, chinese = table()[f"lesson_{step.name}_{part}"]
            assert english.strip() and chinese.strip() and english != chinese


def open_step(n: int, lang: str = "en") -> AppTest:
    step = STEPS[n - 1]
    return open_with(step.page, **step.query(n, lang))


@pytest.mark.parametrize("n", range(1, len(STEPS) + 1), ids=[s.name for s in STEPS])
def test_every_step_opens_its_saved_view(n):
    at = open_step(n)
    assert not at.exception
    assert not at.toast, [toast.value for toast in at.toast]  # no parameter refused
    seen = at.session_state[url_state.SEEN]
    for name, value in STEPS[n - 1].query(n, "en").items():
        # Read by the page: it is in the URL as the page keeps it, or gone because it is the page's default.
        assert name in seen or name not in at.query_params, f"the page ignores {name}={value}"
    assert at.query_params["model"] == STEPS[n - 1].model
    assert at.query_params["step"] == str(n)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_handout_lists_every_step_with_its_link(monkeypatch, lang):
    monkeypatch.setattr("ui.teaching.lesson.language", lambda: lang)
    monkeypatch.setattr("ui.i18n.language", lambda: lang)
    page = handout("http://classroom:8501")
    links = hrefs(page)
    assert len(links) == len(STEPS)
    for n, (step, link) in enumerate(zip(STEPS, links), 1):
        title = table()[f"lesson_{step.name}_title"][lang == "zh"]
        assert title.replace("&", "&amp;") in page
        parts = urlsplit(link)
        assert (parts.scheme, parts.netloc, parts.path) == ("http", "classroom:8501", f"/{step.url_path}")
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query == step.query(n, lang) and query.get("lang", "en") == lang


def test_the_cards_numbers_are_the_ones_its_page_shows():
    """The anomaly step's card quotes the AUROC, recall and false alarms that the page's own metrics show."""
    n = next(i for i, step in enumerate(STEPS, 1) if step.name == "anomaly")
    at = open_step(n)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    card = " ".join(m.value for m in at.markdown if "Say:" in m.value or "Point at:" in m.value)
    assert metrics["AUROC, VAE"] in card
    assert f"where {metrics['False alarms']} of the known digits" in card
    assert f"catches {metrics['Recall']} of the" in card


def test_the_repair_step_quotes_the_scores_under_its_pictures():
    n = next(i for i, step in enumerate(STEPS, 1) if step.name == "restore")
    at = open_step(n)
    assert not at.exception
    captions = [c for image in at.image for c in (image.captions or []) if "PSNR" in c]
    completion = next(c for c in captions if c.startswith("Model: completion"))
    spoiled = next(c for c in captions if c.startswith("Spoiled"))
    pca = next(c for c in captions if c.startswith("Baseline: PCA completion"))
    card = " ".join(m.value for m in at.markdown if "Say:" in m.value)
    db = lambda caption: re.search(r"PSNR (\d+\.\d) dB", caption).group(1)  # noqa: E731
    assert f"scores {db(completion)} dB" in card and f"picture {db(spoiled)} dB" in card
    assert f"reaches {db(pca)} dB" in card
    assert ("★" in pca) == ("the plain baseline wins" in card) != ("the model wins" in card)
