"""What each lesson step says about the screen, as measurements over the shipped assets (issue 24: the lesson
must not say what the screen contradicts).

One `Claim` per step that states a fact: `measure(step)` gives the numbers the step's text shows (cheap: configs,
the run's precomputed files, the small digits set), `show` formats them for the text's placeholders, and each
`Rule` is one fact the text states, tested over those numbers and over `verify(step)` (heavier measurements that
only the tests run: tests/test_lesson_claims.py). The measurements (ui.teaching.measures) read the view the step
opens with the code its page uses; a retrained asset that breaks a fact fails the tests instead of misleading a
class. A step's texts type no number: each is a placeholder filled here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import streamlit as st

from ui.teaching import measures
from ui.catalog import ModelEntry, list_models
from ui.i18n import series, t

if TYPE_CHECKING:
    from ui.teaching.lesson import Step

MISSING = "–"  # shown for a number that cannot be measured here (e.g. the dataset is not installed)


@dataclass(frozen=True)
class Said:
    """A sentence of the string table as a placeholder's value (chosen by the measurement, translated on use)."""

    key: str
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    says: str  # the fact, in words: the tests' message when it does not hold
    holds: Callable[[dict], bool]  # over measure(step) | verify(step)


@dataclass(frozen=True)
class Claim:
    shows: tuple[str, ...]  # the placeholders of the step's texts filled by show()
    measure: Callable[["Step"], dict[str, Any]]
    show: Callable[[dict], dict[str, str | Said]]
    rules: tuple[Rule, ...] = ()
    verify: Callable[["Step"], dict[str, Any]] | None = None
    labels: dict[str, str] = field(default_factory=dict)  # placeholders naming another page's button or header


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _rises(values: list[float]) -> bool:
    return all(a < b for a, b in zip(values, values[1:]))


# --- 1, 2: home --------------------------------------------------------------------------------------------

AUTOENCODER = Claim(
    shows=("side", "pixels", "latent"), measure=measures.code_size,
    show=lambda v: {"side": f"{v['height']}×{v['width']}", "pixels": f"{v['pixels']:,}", "latent": str(v["latent"])},
    rules=(Rule("the code is much smaller than the picture", lambda v: v["latent"] * 10 <= v["pixels"]),
           Rule("each original is above its copy in the reconstructions grid", lambda v: v["originals_above"])),
    verify=measures.originals_above, labels={"recons": "home_recons"})

SAMPLING = Claim(
    shows=("latent",), measure=measures.code_size, show=lambda v: {"latent": str(v["latent"])},
    rules=(Rule("the codes of test pictures sit close to the standard normal: at least 90 % inside its 95 % ball",
                lambda v: v["within_prior"] >= 0.9),),
    verify=measures.codes_near_prior, labels={"samples": "home_samples", "button": "home_new_samples"})


# --- 3: the latent map -------------------------------------------------------------------------------------

MAP = Claim(
    shows=("latent", "near_a", "near_b", "far_a", "far_b"), measure=measures.class_neighbours,
    show=lambda v: {"latent": str(v["latent"]), **{k: v[k] for k in ("near_a", "near_b", "far_a", "far_b")}},
    rules=(Rule("the map is the code itself: two latent numbers, no projection", lambda v: v["latent"] == 2),
           Rule("the farthest classes are at least 3 times as far apart as the closest",
                lambda v: v["far"] >= 3 * v["near"])))


# --- 4: interpolation --------------------------------------------------------------------------------------

INTERPOLATION = Claim(
    shows=("a", "b"), measure=lambda step: {"a": step.params["a"], "b": step.params["b"]},
    show=lambda v: {"a": v["a"], "b": v["b"]},
    rules=(Rule(f"picture a is a {measures.INTERPOLATION_CLASSES[0]}, picture b a {measures.INTERPOLATION_CLASSES[1]}",
                lambda v: v["classes"] == measures.INTERPOLATION_CLASSES),
           Rule("every picture of the latent path lies nearer to a real picture than the pixel blend's middle",
                lambda v: v["latent_farthest"] < v["pixels_farthest"])),
    verify=measures.walk)


# --- 5: traversal ------------------------------------------------------------------------------------------

TRAVERSAL = Claim(
    shows=("beta", "latent"), measure=measures.beta,
    show=lambda v: {"beta": f"{v['beta']:g}", "latent": str(v["latent"])},
    rules=(Rule("few numbers are used: at most half of them", lambda v: 0 < v["active"] <= v["latent"] // 2),
           Rule("some slider does nothing at all (a collapsed dimension)", lambda v: v["active"] < v["latent"]),
           Rule("each used number moves one thing: no factor named twice",
                lambda v: None not in v["named"] and len(set(v["named"])) == len(v["named"])),
           Rule("the used numbers move the shape across, up and down, and its size",
                lambda v: {"pos_x", "pos_y", "scale"} <= set(v["named"])),
           Rule("none of them is the exact shape (the answer: it is given up)", lambda v: "shape" not in v["named"])),
    verify=measures.dimensions)


# --- 6: the β ladder ---------------------------------------------------------------------------------------
# Medians over the seeds of each β (assets/ladder.json): the text says the error rises at every step, and the
# MIG from the smallest β to the peak (vae.metrics.disentanglement.ladder's rule, 0.02 of slack), then shows the
# largest β's, which falls back.

def _rise_migs(v: dict) -> list[float]:
    """The MIG medians over the rise's βs (the smallest to the peak)."""
    return [m for b, m in zip(v["betas"], v["mig"]) if b in v["rise_betas"]]


def _two_apart(v: dict) -> float:
    """The smallest gap between the medians of two βs two rungs apart (β and 4β)."""
    return min((abs(b - a) for a, b in zip(v["mig"], v["mig"][2:])), default=float("inf"))


BETA = Claim(
    shows=("betas", "seeds", "recons", "migs", "first_beta", "peak_beta", "last_beta", "last_mig"),
    measure=measures.beta_ladder,
    show=lambda v: {"betas": " → ".join(f"{b:g}" for b in v["betas"]), "seeds": str(v["seeds"]),
                    "recons": series(v["recon"], 1), "migs": series(_rise_migs(v), 2),
                    "first_beta": f"{v['rise_betas'][0]:g}" if v["rise_betas"] else MISSING,
                    "peak_beta": f"{v['rise_betas'][-1]:g}" if v["rise_betas"] else MISSING,
                    "last_beta": f"{v['betas'][-1]:g}" if v["betas"] else MISSING,
                    "last_mig": f"{v['mig'][-1]:.2f}" if v["mig"] else MISSING},
    rules=(Rule("the ladder has at least three values of β, each trained from three seeds or more",
                lambda v: len(v["betas"]) >= 3 and v["seeds"] >= 3),
           Rule("the median reconstruction error rises with β at every step", lambda v: _rises(v["recon"])),
           Rule("the median MIG rises with β from the smallest to the peak (vae.metrics.disentanglement.ladder's rule)",
                lambda v: v["rises"]),
           Rule("past the peak the median MIG falls back, and the largest β is past it",
                lambda v: v["falls_back"]),
           Rule("the dots of one β spread as far as the medians of two βs two rungs apart",
                lambda v: v["spread"] >= _two_apart(v)),
           Rule("the step opens the peak's shown model (its median seed)", lambda v: v["peak_shown"] == v["opens"]),
           Rule("every MIG is a score in [0, 1]", lambda v: all(0 <= m <= 1 for m in v["mig"]))))


# --- 7: conditional sampling -------------------------------------------------------------------------------

CONDITIONAL = Claim(
    shows=("cvae", "vae", "chance"), measure=measures.class_in_code,
    show=lambda v: {k: _percent(v[k]) for k in ("cvae", "vae", "chance")},
    rules=(Rule("the conditional code hardly holds the digit: read at most 15 points above chance",
                lambda v: v["cvae"] <= v["chance"] + 0.15),
           Rule("the plain VAE's code holds the digit: read at least 80 % of the time", lambda v: v["vae"] >= 0.8),
           Rule("every row of the style grid is decoded as the digit asked for (90 % read so)",
                lambda v: v["obeyed"] >= 0.9)),
    verify=measures.styles_obey_the_class)


# --- 8: repairing pictures ---------------------------------------------------------------------------------

BASELINES = ("pca", "pca_completion", "median")  # vae.explore.restore.compare's methods that are not the model


def _restore_text(v: dict) -> dict:
    verdict = "lesson_restore_baseline_wins" if v["best"] in BASELINES else "lesson_restore_model_wins"
    return {"rounds": str(v["rounds"]), "corrupted": f"{v['corrupted']:.1f}", "completion": f"{v['completion']:.1f}",
            "verdict": Said(verdict, {"pca": f"{v['pca']:.1f}"})}


RESTORE = Claim(
    shows=("rounds", "corrupted", "completion", "verdict"), measure=measures.restoration, show=_restore_text,
    rules=(Rule(f"the picture is a {measures.RESTORE_CLASS}", lambda v: v["class"] == measures.RESTORE_CLASS),
           Rule("the model's completion is closer to the clean picture than the masked one",
                lambda v: v["completion"] > v["corrupted"]),
           Rule("round after round helps: the last round scores above the first",
                lambda v: v["last_round"] > v["first_round"])))


# --- 9: anomalies ------------------------------------------------------------------------------------------

ANOMALY = Claim(
    shows=("held_out", "anomalous", "total", "auroc", "auroc_percent", "false_alarms", "recall"),
    measure=measures.detection,
    show=lambda v: {"held_out": v["held_out"], "anomalous": f"{v['anomalous']:,}", "total": f"{v['total']:,}",
                    "auroc": f"{v['auroc']:.3f}", "auroc_percent": _percent(v["auroc"]),
                    "false_alarms": _percent(v["false_alarms"]), "recall": _percent(v["recall"])},
    rules=(Rule("the score catches the held-out class: AUROC at least 0.9", lambda v: v["auroc"] >= 0.9),
           Rule("the starting threshold catches at least 80 % of it", lambda v: v["recall"] >= 0.8),
           Rule("at no more than 10 % false alarms", lambda v: v["false_alarms"] <= 0.1)))


# --- 10: discrete codes ------------------------------------------------------------------------------------

CODES = Claim(
    shows=("grid", "codebook"), measure=measures.codebook,
    show=lambda v: {"grid": f"{v['rows']}×{v['columns']}", "codebook": str(v["codebook"])},
    rules=(Rule("changing one word changes mostly its own part: the cell's square (a small share of the picture) "
                "takes at least 3 times its share of the change", lambda v: v["inside"] >= 3 * v["area"]),),
    verify=measures.edit_reach)


# --- 11: training live -------------------------------------------------------------------------------------

TRAIN = Claim(shows=(), measure=lambda step: {}, show=lambda v: {},
              labels={"start": "train_start", "watch": "train_watch"})


CLAIMS: dict[str, Claim] = {
    "autoencoder": AUTOENCODER, "sampling": SAMPLING, "map": MAP, "interpolation": INTERPOLATION,
    "traversal": TRAVERSAL, "beta": BETA, "conditional": CONDITIONAL, "restore": RESTORE, "anomaly": ANOMALY,
    "codes": CODES, "train": TRAIN,
}


@st.cache_data(show_spinner=False, max_entries=64)
def _measured(name: str, models: tuple[ModelEntry, ...]) -> dict:
    """A step's shown numbers, once per version of the shipped models (an entry changes with its checkpoint)."""
    from ui.teaching.lesson import STEPS

    step = next(s for s in STEPS if s.name == name)
    return CLAIMS[name].show(CLAIMS[name].measure(step))


def text_values(step: "Step") -> dict[str, str]:
    """The placeholders of a step's texts, in the current language; MISSING for numbers that cannot be measured
    on this machine (a dataset that is not installed, say), so the step still reads."""
    from vae.config import ConfigError
    from vae.data import DatasetUnavailable

    claim = CLAIMS.get(step.name)
    if claim is None:
        return {}
    try:
        shown = _measured(step.name, tuple(m for m in list_models() if m.pretrained))
    except (DatasetUnavailable, ConfigError, OSError, ValueError, StopIteration, KeyError):
        shown = {name: MISSING for name in claim.shows}
    values = {name: t(v.key, **v.values) if isinstance(v, Said) else v for name, v in shown.items()}
    return {**values, **{name: t(key) for name, key in claim.labels.items()}}


def check(step: "Step") -> tuple[dict, list[str]]:
    """Measure every fact the step's text states: (the measurements, the facts that do not hold, in words)."""
    claim = CLAIMS[step.name]
    values = claim.measure(step)
    if claim.verify is not None:
        values = {**values, **claim.verify(step)}
    return values, [rule.says for rule in claim.rules if not rule.holds(values)]
