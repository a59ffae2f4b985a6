"""The β ladder as a study of seeds (Locatello et al. 2019): every run of the shapes sweep with its scores,
the median per group, the one run per group the pages show, and the claims the app makes about them.

    assets/ladder.json   {"format": "vae-ladder", "version": 1, "protocol": ..., "cpu_hours": ...,
                          "runs": [{"name", "family", "beta", "seed", "shown", "steps", "pair_changes",
                                    "shape_area", "mig", "factor_vae", ...}]}

Which run of a group is shown is a stated rule, never a silent best-of: the seed whose MIG is the median of
its group (for an even count, the lower middle). The file is untrusted: only known keys with finite numbers
and plain names are kept.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from vae.atomic import atomic_write_json, read_json
from vae.config import SHAPE_AREAS
from vae.data.shapes import FACTOR_SIZES
from vae.families import family
from vae.training.runs import read_run

FORMAT, VERSION = "vae-ladder", 1
LADDER_NAME = "ladder.json"
# What each run keeps of its disentanglement.json. Not DCI: the sweep's runs are scored with its quick forest, the
# shipped picks again with the reference's boosted trees (scripts/make_ladder.sh), so their DCI would not compare.
SCORE_KEYS = ("mig", "factor_vae", "sap", "modularity", "recon", "kl")
FAMILY_ORDER = ("vae", "tcvae", "adagvae")  # the unsupervised ladder, its TC variant, then weak supervision
RUNG_STEP = 2.0  # each rung of the ladder doubles β; a missing one leaves a gap the rise cannot cross
MIN_RISE = 3  # "rises with β" needs at least this many rungs from the smallest β to the peak
RISE_SLACK = 0.02  # each median may fall this much below the one before it and still count as rising
_NAME = re.compile(r"^[\w][\w.-]{0,63}$")
MAX_STEPS = 10**9  # a bound for an untrusted file's step count, far above any run
MAX_PAIR_CHANGES = len(FACTOR_SIZES)  # a pair can differ in every factor of the shapes at most


@dataclass(frozen=True)
class LadderRun:
    """One trained model of the sweep and its scores."""

    name: str  # its run folder's name (the shown ones ship under assets/ by their page name)
    family: str
    beta: float
    seed: int
    scores: dict[str, float] = field(default_factory=dict)  # SCORE_KEYS that were measured
    shown: str | None = None  # the asset folder the pages open it as, when it is its group's pick
    steps: int | None = None  # the optimizer steps it trained, when known (files from before it was kept lack it)
    pair_changes: int | None = None  # weak supervision: factors that differ in each pair (0: one to four, drawn)
    shape_area: str | None = None  # how its pictures sized the shapes (vae.config.SHAPE_AREAS), when known

    @property
    def group(self) -> tuple[str, float]:
        return self.family, self.beta


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) \
        else None


def _whole(value, low: int, high: int) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high else None


def run_from_folder(run_dir: Path) -> LadderRun | None:
    """A run folder of the sweep (its spec + disentanglement.json) -> LadderRun; None when unscored or damaged."""
    run, report = read_run(run_dir), read_json(run_dir / "disentanglement.json")
    if run is None or run.spec is None or not isinstance(report, dict):
        return None
    scores = {key: _number(report.get(key)) for key in SCORE_KEYS}
    model = run.spec.model
    return LadderRun(run_dir.name, model.family, float(model.beta), int(run.spec.train.seed),
                     {k: v for k, v in scores.items() if v is not None},
                     steps=_whole(run.status.get("step"), 1, MAX_STEPS),
                     pair_changes=model.pair_changes if family(model.family).pairs else None,
                     shape_area=run.spec.train.shape_area)


def family_rank(name: str) -> int:
    """Where a family's groups stand in the study's order (FAMILY_ORDER; others after it)."""
    return FAMILY_ORDER.index(name) if name in FAMILY_ORDER else len(FAMILY_ORDER)


def groups(runs: list[LadderRun]) -> dict[tuple[str, float], list[LadderRun]]:
    """Runs by (family, β), in FAMILY_ORDER then β; each group's runs by seed."""
    out: dict[tuple[str, float], list[LadderRun]] = {}
    for run in sorted(runs, key=lambda r: (family_rank(r.family), r.beta, r.seed)):
        out.setdefault(run.group, []).append(run)
    return out


def median(runs: list[LadderRun], key: str) -> float | None:
    values = [r.scores[key] for r in runs if key in r.scores]
    return statistics.median(values) if values else None


def median_pick(runs: list[LadderRun], key: str = "mig") -> LadderRun:
    """The run whose score is the median of its group (the lower middle for an even count; ties by seed)."""
    ranked = sorted((r for r in runs if key in r.scores), key=lambda r: (r.scores[key], r.seed))
    if not ranked:
        raise ValueError(f"no run of this group has a {key} score")
    return ranked[(len(ranked) - 1) // 2]


def to_json(runs: list[LadderRun], protocol: str, cpu_hours: float | None) -> dict:
    return {"format": FORMAT, "version": VERSION, "protocol": protocol, "cpu_hours": cpu_hours,
            "pick_rule": "median_mig",
            "runs": [{"name": r.name, "family": r.family, "beta": r.beta, "seed": r.seed, "shown": r.shown,
                      **{k: v for k, v in (("steps", r.steps), ("pair_changes", r.pair_changes),
                                           ("shape_area", r.shape_area)) if v is not None},
                      **r.scores} for r in runs]}


def write(path: str | Path, runs: list[LadderRun], protocol: str, cpu_hours: float | None) -> Path:
    path = Path(path)
    atomic_write_json(path, to_json(runs, protocol, cpu_hours))
    return path


def read(path: str | Path) -> list[LadderRun]:
    """The runs of a ladder.json; [] when it is missing, of another format, or damaged. Untrusted: a record
    without a plain name, a known family, a finite β and a whole seed is dropped, and so is any other key."""
    data = read_json(Path(path))
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("version") != VERSION:
        return []
    records = data.get("runs")
    runs = []
    for record in records if isinstance(records, list) else []:
        if not isinstance(record, dict):
            continue
        name, family, beta, seed = record.get("name"), record.get("family"), _number(record.get("beta")), \
            record.get("seed")
        shown, area = record.get("shown"), record.get("shape_area")
        if not (isinstance(name, str) and _NAME.match(name) and family in FAMILY_ORDER and beta is not None
                and isinstance(seed, int) and not isinstance(seed, bool)):
            continue
        scores = {key: _number(record.get(key)) for key in SCORE_KEYS}
        runs.append(LadderRun(name, family, beta, seed, {k: v for k, v in scores.items() if v is not None},
                              shown if isinstance(shown, str) and _NAME.match(shown) else None,
                              _whole(record.get("steps"), 1, MAX_STEPS),
                              _whole(record.get("pair_changes"), 0, MAX_PAIR_CHANGES),
                              area if area in SHAPE_AREAS else None))
    return runs


def shown_names(runs: list[LadderRun]) -> list[str]:
    """The asset folders the pages open, one per group (its pick), sorted."""
    return sorted({r.shown for r in runs if r.shown})


def read_meta(path: str | Path) -> dict:
    """The ladder's protocol text and CPU-hours (untrusted: strings and finite numbers only)."""
    data = read_json(Path(path))
    if not isinstance(data, dict):
        return {}
    protocol = data.get("protocol")
    return {"protocol": protocol if isinstance(protocol, str) else "", "cpu_hours": _number(data.get("cpu_hours"))}


@dataclass(frozen=True)
class Claims:
    """What the app says about the ladder, measured: the numbers the pages and the lesson show, and whether
    each sentence holds (tests assert the ones the app states).

    The rise is read from the study, not from fixed βs: from the smallest β up to the peak (the β of the
    highest median), since where it peaks depends on the pictures' size (the reconstruction term sums every
    pixel, so at 64×64 the same β presses the code a quarter as hard as at 32×32)."""

    medians: dict[float, float]  # β-VAE: β -> median MIG
    rise: tuple[float, ...]  # the βs from the smallest to the peak, in order
    rises: bool  # MIN_RISE rungs or more, each doubling β, each median at least the one before less RISE_SLACK
    past: dict[float, float]  # β -> median MIG of the rungs past the peak
    best_unsupervised: float | None  # the highest median MIG of an unsupervised group (β-VAE or β-TCVAE)
    weak_median: float | None  # Ada-GVAE's median MIG
    weak_beats_unsupervised: bool
    # What the runs were trained on, each the one value all the runs concerned share (None: unknown or mixed).
    weak_pair_changes: int | None = None  # factors that differ in each of Ada-GVAE's pairs (0: one to four)
    weak_steps: int | None = None  # Ada-GVAE's optimizer steps a run
    unsupervised_steps: int | None = None  # the unsupervised runs' steps a run
    shape_area: str | None = None  # how every run's pictures sized the shapes (vae.config.SHAPE_AREAS)

    @property
    def first_beta(self) -> float | None:
        return self.rise[0] if self.rise else None

    @property
    def peak_beta(self) -> float | None:
        return self.rise[-1] if self.rise else None

    @property
    def peak_median(self) -> float | None:
        return self.medians[self.rise[-1]] if self.rise else None

    @property
    def peak_gain(self) -> float | None:
        """The peak's median minus the smallest β's."""
        return self.medians[self.rise[-1]] - self.medians[self.rise[0]] if self.rise else None

    @property
    def falls_back(self) -> bool:
        """Some rung lies past the peak, and every one of them scores below it."""
        return bool(self.past) and max(self.past.values()) < self.peak_median


def shared(values: list):
    """The one value every entry has; None when there is none, one is unknown, or they differ."""
    return values[0] if values and values[0] is not None and all(v == values[0] for v in values) else None


def beta_groups(runs: list[LadderRun]) -> dict[float, list[LadderRun]]:
    """The β ladder's groups, by β: the runs of the family whose β weighs the whole KL (vae.families)."""
    return {beta: group for (name, beta), group in groups(runs).items() if family(name).beta_ladder}


def _rises(betas: list[float], medians: dict[float, float]) -> bool:
    """MIN_RISE rungs or more, each doubling β, each median at least the one before it less RISE_SLACK."""
    return len(betas) >= MIN_RISE and all(math.isclose(b, a * RUNG_STEP) and medians[b] >= medians[a] - RISE_SLACK
                                          for a, b in zip(betas, betas[1:]))


def claims(runs: list[LadderRun]) -> Claims:
    grouped = groups(runs)
    medians = {beta: median(group, "mig") for beta, group in beta_groups(runs).items()}
    medians = {beta: value for beta, value in sorted(medians.items()) if value is not None}
    peak = max(medians, key=lambda b: (medians[b], -b), default=None)  # ties: the smaller β
    rise = tuple(b for b in medians if peak is not None and b <= peak)
    past = {b: m for b, m in medians.items() if peak is not None and b > peak}
    unsupervised = [median(g, "mig") for (name, _), g in grouped.items() if family(name).unsupervised]
    unsupervised = [m for m in unsupervised if m is not None]
    weak = [median(g, "mig") for (name, _), g in grouped.items() if family(name).pairs]
    weak_median = max((m for m in weak if m is not None), default=None)
    best = max(unsupervised, default=None)
    weak_runs = [r for r in runs if family(r.family).pairs]
    unsupervised_runs = [r for r in runs if family(r.family).unsupervised]
    return Claims(medians, rise, _rises(list(rise), medians), past, best, weak_median,
                  weak_median is not None and best is not None and weak_median > best,
                  weak_pair_changes=shared([r.pair_changes for r in weak_runs]),
                  weak_steps=shared([r.steps for r in weak_runs]),
                  unsupervised_steps=shared([r.steps for r in unsupervised_runs]),
                  shape_area=shared([r.shape_area for r in runs]))
