"""The disentanglement page: the shapes ladder in both languages, its widgets change what is drawn,
and a shapes run of the user's own gets its scores from a button."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import vae.metrics.disentanglement.scores
from vae.metrics.disentanglement import ladder as ladder_study
from ui.catalog import ASSETS_DIR, list_models
from ui.parts.disentanglement import SEED_METRICS
from ui.i18n import table
from vae.config import TrainConfig
from vae.metrics.disentanglement.scores import METRIC_KEYS
from vae.metrics.disentanglement.run import SCORES_NAME, read_scores
from vae.training.trainer import train

PAGE = "views/disentanglement.py"
FACTOR_WORDS = {lang: [pair[i] for key, pair in table().items() if key.startswith("factor_")]
                for i, lang in enumerate(("en", "zh"))}


def pretrained_ladder() -> list:
    """The pretrained shapes models as the page orders them: by β, then β-TCVAE, then Ada-GVAE."""
    rungs = [m for m in list_models() if m.pretrained and m.dataset == "shapes" and m.kind.posterior]
    return sorted(rungs, key=lambda m: (m.kind.total_correlation + 2 * m.kind.pairs, m.model.beta, m.name))


def active_dims(entry) -> int:
    scores = read_scores(entry.path, entry.latent_dim, len(entry.factor_names))
    assert scores is not None, f"{entry.name} has no disentanglement.json: python -m vae disentanglement {entry.path}"
    return scores["active_dims"]


@pytest.fixture(scope="module")
def user_runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("dis-page-runs")
    config = TrainConfig(dataset="shapes", image_size=16, limit=128, epochs=1, batch_size=64, device="cpu",
                         grid_images=16)
    train(dict(family="vae", arch="conv", hidden=(8, 8), latent_dim=3, conv_fc=32, beta=2.0), config,
          root / "my-shapes")
    train(dict(family="vae", arch="mlp", hidden=(32,), latent_dim=3), config.replace(dataset="digits", image_size=None),
          root / "my-digits")
    return root


@pytest.fixture
def runs(user_runs, monkeypatch) -> Path:
    monkeypatch.setenv("VAE_RUNS_DIR", str(user_runs))
    return user_runs


def chart(at, key: str) -> dict:
    return next(json.loads(el.proto.spec) for el in at.get("plotly_chart") if el.proto.id and key in el.key)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_ladder_in_both_languages(runs, open_page, lang):
    ladder = pretrained_ladder()
    assert ladder, "assets/ holds no shapes model"
    at = open_page(PAGE, next(m for m in list_models() if m.dataset == "digits").path, lang)
    assert not at.exception
    assert at.title[0].value == table()["dis_title"][lang == "zh"]
    assert at.caption[0].value == table()["dis_not_shapes"][lang == "zh"]  # digits: nothing to score
    # one animation per active dimension of every model, captioned with what it holds, then each model's
    # reconstruction of the three shapes
    sweeps, shapes = at.image[:-len(ladder)], at.image[-len(ladder):]
    assert len(sweeps) == sum(active_dims(m) for m in ladder)
    assert all(f"β = {m.model.beta:g}" in image.proto.imgs[0].caption for image, m in zip(shapes, ladder))
    captions = [c for image in sweeps for c in image.proto.imgs[0].caption.split("\n")]
    assert all(c.startswith("z") for c in captions)
    assert any(word in c for c in captions for word in FACTOR_WORDS[lang])
    frame = at.dataframe[0].value  # one row per score, one column per model
    assert frame.shape == (1 + 7 + 3, 1 + len(ladder))
    assert frame.iloc[0, 1:].tolist() == [m.model.beta for m in ladder]  # ordered by β
    assert frame.iloc[1:8, 0].tolist() == [table()[f"dis_metric_{k}"][lang == "zh"] for k in METRIC_KEYS]
    assert frame.notna().all().all()  # every pretrained model ships its scores
    kinds = {read_scores(m.path, m.latent_dim, len(m.factor_names))["dci_classifier"] for m in ladder}
    said_kind = next(c.value for c in at.caption if c.value.startswith(table()["dis_dci_classifier"][lang == "zh"][:5]))
    assert all(table()[f"dis_dci_kind_{k}"][lang == "zh"].split("{")[0] in said_kind for k in kinds), said_kind
    assert not [b for b in at.button if b.key.startswith("dis_compute")]
    figure = chart(at, "dis_beta_chart")
    assert {trace["name"] for trace in figure["data"] if trace.get("name")} >= {
        table()["dis_metric_mig"][lang == "zh"], table()["dis_recon"][lang == "zh"]}
    # The seeds study: one dot per trained run in each panel, and the page's sentences are vae.metrics.disentanglement.ladder's claims.
    runs = ladder_study.read(ASSETS_DIR / ladder_study.LADDER_NAME)
    seeds = chart(at, "dis_seeds_chart")
    dots = [trace for trace in seeds["data"] if trace.get("mode") == "markers"]
    assert sum(len(trace["y"]) for trace in dots) == len(runs) * len(SEED_METRICS)
    said = ladder_study.claims(runs)
    rise_key = "dis_seeds_rises" if said.rises else "dis_seeds_flat"
    first_words = table()[rise_key][lang == "zh"].split("{")[0]
    rise = next(m.value for m in at.markdown if m.value.startswith(first_words))
    if said.rises:  # the peak and its median, as the claims measure them; then the fall past it
        assert f"β = {said.peak_beta:g}" in rise and f"{said.peak_median:.2f}" in rise
        falls = table()["dis_seeds_falls"][lang == "zh"].split("{")[0]
        assert any(m.value.startswith(falls) for m in at.markdown) == said.falls_back
    assert len(at.get("plotly_chart")) == 2 + len(ladder)  # the seeds and β plots, one MI matrix per model
    # The best model's sentence: its scores as its row of the table gives them, and the factors its animations name.
    from ui.names import factor_name
    from ui.parts.disentanglement import best_rung, describe, scores_for, short_label

    best = best_rung([describe(m, scores_for(m)) for m in ladder])
    sentence = next(m.value for m in at.markdown if m.value.startswith(table()["dis_best"][lang == "zh"][:6]))
    column = frame.columns.tolist().index(short_label(best.entry))
    assert f"{frame.iloc[1 + METRIC_KEYS.index('mig'), column]:.2f}" in sentence
    assert f"{frame.iloc[1 + METRIC_KEYS.index('factor_vae'), column]:.2f}" in sentence
    assert short_label(best.entry) in sentence
    names = [factor_name(best.entry.factor_names[f]) for f in best.named]
    assert all(name in sentence for name in names)
    labels = [best.labels[d] for d in best.active]
    assert all(any(label.endswith(name) for label in labels) for name in names)


def test_widgets_change_what_is_drawn(runs, open_page, media):
    ladder = pretrained_ladder()
    at = open_page(PAGE, ladder[0].path)
    animated = len(at.image) - len(ladder)  # the sweeps; then one picture of the three shapes per model
    before = [media[image.proto.imgs[0].url] for image in at.image[:animated]]
    assert all(b.startswith(b"GIF8") for b in before)
    at.slider(key="dis_span").set_value(1.0).run()
    after = [media[image.proto.imgs[0].url] for image in at.image[:animated]]
    assert len(after) == len(before) and all(a != b for a, b in zip(after, before))

    at.segmented_control(key="dis_view").set_value("grid").run()  # still rows of one model: the last by default
    assert not at.exception
    assert len(at.image) == active_dims(ladder[-1]) + len(ladder)
    assert media[at.image[0].proto.imgs[0].url].startswith(b"\x89PNG")
    at.selectbox(key="dis_grid_model").set_value(ladder[0].path).run()
    assert len(at.image) == active_dims(ladder[0]) + len(ladder)

    traces = len(chart(at, "dis_beta_chart")["data"])
    at.pills(key="dis_plot_metrics").set_value(["mig"]).run()
    fewer = chart(at, "dis_beta_chart")["data"]
    assert len(fewer) < traces
    lone = {table()["dis_label_tcvae"][0].format(beta=f"{m.model.beta:g}") for m in ladder if m.kind.total_correlation}
    lone |= {table()["dis_label_adagvae"][0].format(beta=f"{m.model.beta:g}") for m in ladder
             if m.kind.pairs}  # the models off the β-VAE line, as lone markers
    assert {t["name"] for t in fewer if t.get("showlegend", True)} == {"MIG", "reconstruction error"} | lone


def test_users_shapes_run_is_scored_by_a_button(runs, open_page, monkeypatch):
    run = runs / "my-shapes"
    (run / SCORES_NAME).unlink(missing_ok=True)
    at = open_page(PAGE, run)
    assert not at.exception
    frame = at.dataframe[0].value
    assert frame.shape[1] == 1 + len(pretrained_ladder()) + 1 and frame.iloc[1:, -1].isna().all()  # no scores yet
    assert frame.columns[-1] == "my-shapes (β = 2)"
    button = next(b for b in at.button if b.key == f"dis_compute::{run}")
    monkeypatch.setattr(vae.metrics.disentanglement.scores, "POINTS", 300)  # the protocol's 10,000 take a minute
    button.click().run()
    assert not at.exception
    assert read_scores(run, 3, 5)["points"] == 300  # kept beside the run: the next visit reads it
    assert f"dis_compute::{run}" not in [b.key for b in at.button]
    assert at.dataframe[0].value.iloc[:, -1].notna().all()


def test_no_shapes_model(runs, open_page, monkeypatch, tmp_path):
    monkeypatch.setattr("ui.catalog.ASSETS_DIR", tmp_path)  # no pretrained models at all
    at = open_page(PAGE, runs / "my-digits")
    assert not at.exception
    assert at.info[0].value == table()["dis_no_models"][0]


def test_the_best_model_names_most_factors_then_scores_highest():
    """best_rung's stated rule, on the shipped models' rungs with their facts changed: the count of factors named
    wins over FactorVAE, FactorVAE over MIG; an unscored model is never the best."""
    import dataclasses

    from ui.parts.disentanglement import best_rung, best_sentence, describe, scores_for

    first, second = [describe(m, scores_for(m)) for m in pretrained_ladder()[:2]]

    def rung(base, named, fvae, mig):
        return dataclasses.replace(base, named=named, scores={**base.scores, "factor_vae": fvae, "mig": mig})

    assert best_rung([rung(first, (0,), 0.9, 0.9), rung(second, (1, 2), 0.5, 0.1)]).entry == second.entry
    assert best_rung([rung(first, (1,), 0.7, 0.9), rung(second, (2,), 0.8, 0.1)]).entry == second.entry
    assert best_rung([rung(first, (1,), 0.8, 0.2), rung(second, (2,), 0.8, 0.3)]).entry == second.entry
    assert best_rung([rung(first, (1,), 0.8, 0.3), rung(second, (2,), 0.8, 0.3)]).entry == first.entry  # ladder order
    unscored = dataclasses.replace(second, scores=None, named=None)
    assert best_rung([rung(first, (), 0.1, 0.0), unscored]).entry == first.entry
    assert best_rung([unscored]) is None
    assert table()["dis_best_none"][0].format(total=5) in best_sentence(rung(first, (), 0.1, 0.0))


def test_both_pages_show_one_mi_estimate_and_one_naming_rule():
    """The Traversal page and this page name a shipped model's dimensions from the same numbers."""
    from ui.parts.disentanglement import describe, scores_for
    from ui.parts.traversal import describe_dims

    for entry in pretrained_ladder():
        rung, dims = describe(entry, scores_for(entry)), describe_dims(entry, True)
        assert rung.share is not None and dims.share is not None
        assert (rung.share == dims.share).all(), entry.name
        assert all(rung.labels[d] == dims.labels[d] for d in rung.active), entry.name


def test_the_weak_supervision_sentence_says_how_the_pairs_differed_and_how_long_each_side_trained():
    """Each fact in the sentence comes from the runs (ladder.json): the pairs' changes, and the steps when the
    two sides trained for different lengths; nothing is said of what the file does not know."""
    import dataclasses

    from ui.parts.disentanglement import ladder_sentences

    def runs(family, beta, mig, **facts):
        return [ladder_study.LadderRun(f"{family}-{beta}-{s}", family, float(beta), s, {"mig": mig}, **facts)
                for s in range(3)]

    plain = runs("vae", 1, 0.1, steps=9375) + runs("vae", 2, 0.2, steps=9375) + runs("vae", 4, 0.3, steps=9375)
    one = runs("adagvae", 4, 0.5, steps=37500, pair_changes=1)
    text = " ".join(ladder_sentences(plain + one, {}))
    assert table()["dis_weak_pairs_one"][0] in text and "37,500 steps" in text and "9,375" in text and "4×" in text
    some = [dataclasses.replace(r, steps=9375, pair_changes=0) for r in one]
    text = " ".join(ladder_sentences(plain + some, {}))
    assert table()["dis_weak_pairs_some"][0] in text and "steps" not in text
    assert "dSprites" not in text  # the pictures' rule: unknown, so unsaid
    unknown = [dataclasses.replace(r, steps=None, pair_changes=None) for r in one]  # a file from before: no claim
    text = " ".join(ladder_sentences(plain + unknown, {}))
    assert table()["dis_weak_pairs_some"][0] in text and "steps" not in text


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_study_says_how_its_pictures_sized_the_shapes(lang, monkeypatch):
    """When every run of the study shares one area rule the page says which, with the heart-to-ellipse ratio the
    renderer draws; a file that does not know says nothing."""
    import dataclasses

    import torch

    from ui.parts.disentanglement import SHAPE_ROW_FACTORS, ladder_sentences
    from vae.data.shapes import render_shapes

    monkeypatch.setattr("ui.i18n.language", lambda: lang)
    runs = [ladder_study.LadderRun(f"vae-{b}-{s}", "vae", float(b), s, {"mig": 0.1 * b}) for b in (1, 2, 4)
            for s in range(3)]
    pixels = render_shapes(torch.tensor(SHAPE_ROW_FACTORS), 64).sum((1, 2, 3))  # each shape at its largest
    ratio = f"{float(pixels[2] / pixels[1]):.1f}"  # the heart's pixels over the ellipse's, as drawn
    for area in ("bounding", "equal"):
        text = " ".join(ladder_sentences([dataclasses.replace(r, shape_area=area) for r in runs], {}))
        assert table()[f"dis_seeds_area_{area}"][lang == "zh"].split("{")[0] in text and ratio in text
    mixed = [dataclasses.replace(r, shape_area="equal") for r in runs[1:]] + runs[:1]
    text = " ".join(ladder_sentences(mixed, {}))
    assert "dSprites" not in text


def test_the_best_model_on_the_page_reaches_the_issue_scores():
    """Issue 23's scores for the best model the page shows (best_rung's rule, the one its sentence names): MIG ≥ 0.40
    and FactorVAE ≥ 0.80. (Its third bar, 4 of 5 factors named, is not met by the shipped ladder: docs/benchmarks.md.)"""
    from ui.parts.disentanglement import best_rung, describe, scores_for

    best = best_rung([describe(m, scores_for(m)) for m in pretrained_ladder()])
    facts = (best.entry.name, best.scores["mig"], best.scores["factor_vae"], best.named)
    assert best.entry.family == "adagvae", facts  # the weakly supervised model (docs/benchmarks.md names it)
    assert best.scores["mig"] >= 0.40 and best.scores["factor_vae"] >= 0.80, facts
