"""Train: pick a classic demo or set the knobs, start a run in its own process, and watch it learn."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import url_state
from ui.catalog import runs_dir
from ui.i18n import t
from ui.page import open_page
from ui.teaching import present
from ui.parts.runs import run_panel
from ui.settings_form import SESSION, describe, form, form_defaults, form_spec, key_of, preset_for
from vae.training import launch
from vae.config import ConfigError
from vae.data import list_datasets

# The classic demos, as partial settings (vae.config field names). The form opens on the first; each
# other one is the first with its own changes (for another family, with that family's own defaults).
BASE = {"family": "vae", "arch": "mlp", "dataset": "digits", "latent_dim": 2, "hidden": (256, 128),
        "likelihood": "gaussian", "epochs": 30, "batch_size": 32, "log_every": 5}
PRESETS = {
    "train_preset_digits2d": BASE,
    "train_preset_shapes_beta": {**BASE, "dataset": "shapes", "arch": "conv", "hidden": (32, 32, 64), "image_size": 32,
                                 "latent_dim": 10, "beta": 4.0, "epochs": 10, "batch_size": 64,
                                 "likelihood": "bernoulli", "log_every": 10},
    "train_preset_cvae": preset_for(BASE, "cvae"),
    "train_preset_vqvae": preset_for(BASE, "vqvae", image_size=16, hidden=(32, 64), codebook_size=64,
                                     likelihood="bernoulli"),
    # For training live in class: Fashion-MNIST clothes, recognisable after ~4 epochs of 10,000 pictures (a few
    # seconds each on one core, a new sample grid each), sharp by the 12th, inside a minute (README's figures).
    "train_preset_lesson": {**BASE, "dataset": "fashion-mnist", "latent_dim": 8, "likelihood": "bernoulli",
                            "limit": 10_000, "epochs": 12, "batch_size": 100, "lr": 2e-3, "log_every": 10},
}


def apply_preset() -> None:
    chosen = st.session_state.get("train_preset")
    if chosen in PRESETS:
        st.session_state.update(form_defaults(PRESETS[chosen]))


@st.cache_data(show_spinner=False, max_entries=32)
def _probe(dataset: str, root: str | None, image_size: int | None, channels: int | None):
    from vae.data import load_dataset

    return load_dataset(dataset, "test", root=root, image_size=image_size, channels=channels, limit=4)


def start() -> None:
    """Start button: the form's RunSpec, checked against a few of the dataset's pictures, then launched;
    problems are kept for the page to show."""
    state = st.session_state
    family = state[key_of("family")]
    try:
        spec = form_spec(state)
        problems = launch.check_settings(spec, probe=_probe)
        if not problems:
            run_dir = launch.start_run(spec, runs_dir(), state["train_name"])
    except ConfigError as error:
        problems = [error]
    if problems:
        state["train_problems"] = [describe(p, family) for p in problems]
        return
    state["train_watch"] = str(run_dir)
    state["train_started"] = run_dir.name


def dataset_caption(datasets: dict):
    def caption() -> None:
        chosen = datasets.get(st.session_state[key_of("dataset")])
        if chosen is not None:
            st.caption(t(f"dataset_about_{chosen.name}"))
            if not chosen.available:
                st.warning(t("train_dataset_how", how=chosen.how_to_get))
    return caption


def watch(more=None) -> None:
    """Pick a run (the one just started by default) and watch it live (more: the page's folded settings)."""
    dirs = [str(p) for p in launch.list_run_dirs(runs_dir())]
    st.header(t("train_watch"))
    if not dirs:
        st.info(t("train_no_runs"))
        return
    wanted = st.session_state.pop("train_watch", None)
    if wanted in dirs:
        st.session_state["train_watch_select"] = wanted
    elif st.session_state.get("train_watch_select") not in dirs:
        st.session_state["train_watch_select"] = dirs[0]

    with present.advanced(more):
        chosen = st.selectbox(t("train_watch_pick"), dirs, key="train_watch_select", format_func=lambda p: Path(p).name)
    run_panel(chosen, key="train")


for name, value in form_defaults(BASE).items():
    st.session_state.setdefault(name, value)
open_page("train_title", "train_intro", needs_model=False)
PRESET_NAMES = {key.removeprefix("train_preset_"): key for key in PRESETS}  # a link's preset=lesson, say
if url_state.restore("preset", "train_preset", url_state.choice(PRESET_NAMES)):
    apply_preset()  # before the form's widgets are drawn, as the pills' own callback does
# On a projector the demo, its settings, the run's name and which run to watch are folded away: the run comes first.
more = present.advanced()
with more:
    preset = st.pills(t("train_presets"), list(PRESETS), format_func=t, key="train_preset", on_change=apply_preset,
                      help=t("train_presets_help"))
url_state.keep("preset", preset.removeprefix("train_preset_") if preset else None)
with st.container(border=True):
    with present.advanced(more):
        refused = form(dataset_caption({s.name: s for s in list_datasets()}))
    name_col, button_col = (st.columns([3, 1], vertical_alignment="bottom") if not present.is_on()
                            else (present.advanced(more), st.container()))
    name_col.text_input(t("train_name_label"), key="train_name", placeholder=t("train_name_placeholder"),
                        max_chars=80, help=t("train_name_help"), persist_state=SESSION)
    button_col.button(t("train_start"), key="train_start", type="primary", icon=":material/rocket_launch:",
                      on_click=start, width="stretch", disabled=bool(refused))
    if refused:  # each message is under its field; Start waits until none is left
        st.warning(t("train_fix_first", count=len(refused)), icon=":material/block:")
    for problem in st.session_state.pop("train_problems", []):
        st.error(t("train_problem", message=problem))
    started = st.session_state.pop("train_started", None)
    if started:
        st.success(t("train_started_msg", name=started))
watch(more)
