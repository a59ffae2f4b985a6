"""Train: pick a classic demo or set the knobs, start a run in its own process, and watch it learn."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui.catalog import runs_dir
from ui.i18n import t
from ui.run_view import run_panel
from ui.sidebar import sidebar
from vae import launch
from vae.data import list_datasets

# Every field of the form: widget key -> default (the form opens on the first preset).
DEFAULTS = {
    "train_model": "vae", "train_arch": "mlp", "train_dataset": "digits", "train_latent": 2, "train_hidden": "256,128",
    "train_likelihood": "gaussian", "train_beta": 1.0, "train_capacity": 0.0, "train_capacity_gamma": 1000.0,
    "train_capacity_steps": 10_000, "train_tc_alpha": 1.0, "train_tc_gamma": 1.0, "train_warmup": "none",
    "train_warmup_steps": 500, "train_free_bits": 0.0, "train_codebook": 64, "train_commitment": 0.25,
    "train_image_size": 0, "train_limit": 0, "train_exclude": "", "train_data_root": "", "train_epochs": 30, "train_batch": 32,
    "train_lr": 1e-3, "train_seed": 0, "train_device": "auto", "train_log_every": 5, "train_name": "",
}
# The classic demos: changes from DEFAULTS.
PRESETS = {
    "train_preset_digits2d": {},
    "train_preset_shapes_beta": {"train_dataset": "shapes", "train_arch": "conv", "train_hidden": "32,32,64",
                                 "train_image_size": 32, "train_latent": 10, "train_beta": 4.0, "train_epochs": 10,
                                 "train_batch": 64, "train_likelihood": "bernoulli", "train_log_every": 10},
    "train_preset_cvae": {"train_model": "cvae"},
    "train_preset_vqvae": {"train_model": "vqvae", "train_arch": "conv", "train_image_size": 16,
                           "train_hidden": "32,64", "train_latent": 16, "train_codebook": 64,
                           "train_likelihood": "bernoulli"},
}
FAMILY_LABELS = {"vae": "train_family_vae", "tcvae": "family_tcvae", "cvae": "family_cvae", "vqvae": "family_vqvae"}
SESSION = "session"


def apply_preset() -> None:
    chosen = st.session_state.get("train_preset")
    if chosen in PRESETS:
        st.session_state.update({**DEFAULTS, **PRESETS[chosen], "train_name": st.session_state.get("train_name", "")})


def parse_numbers(text: str, least: int) -> tuple[int, ...]:
    """'256, 128' -> (256, 128); '' -> (); raises ValueError unless all are whole numbers >= least."""
    values = tuple(int(p) for p in text.replace(" ", "").split(",") if p)
    if any(v < least for v in values):
        raise ValueError(text)
    return values


def parse_field(state, key: str, least: int, message_key: str) -> tuple[int, ...]:
    """A comma-separated field of the form; a bad one raises ValueError with its one-line message."""
    try:
        return parse_numbers(state[key], least)
    except ValueError:
        raise ValueError(t(message_key, text=state[key])) from None


def settings_from(state) -> dict:
    """The form's values as `python -m vae train` settings (see vae.launch.SETTING_KEYS)."""
    family = state["train_model"]
    settings = {
        "model": family, "arch": "conv" if family == "vqvae" else state["train_arch"],
        "dataset": state["train_dataset"],
        "latent_dim": int(state["train_latent"]),
        "hidden": parse_field(state, "train_hidden", 1, "train_bad_hidden") or None,  # None: the library's default
        "exclude_classes": parse_field(state, "train_exclude", 0, "train_bad_exclude"),
        "likelihood": state["train_likelihood"], "epochs": int(state["train_epochs"]),
        "batch_size": int(state["train_batch"]), "lr": float(state["train_lr"]), "seed": int(state["train_seed"]),
        "device": state["train_device"] or "auto", "log_every": int(state["train_log_every"]),
        "image_size": int(state["train_image_size"]) or None, "limit": int(state["train_limit"]) or None,
        "data_root": state["train_data_root"].strip() or None,
    }
    if family == "vqvae":
        settings.update(codebook_size=int(state["train_codebook"]), commitment=float(state["train_commitment"]))
    else:
        settings.update(beta=float(state["train_beta"]), capacity_max=float(state["train_capacity"]),
                        capacity_gamma=float(state["train_capacity_gamma"]),
                        capacity_steps=int(state["train_capacity_steps"]), warmup=state["train_warmup"],
                        warmup_steps=int(state["train_warmup_steps"]), free_bits=float(state["train_free_bits"]))
    if family == "tcvae":
        settings.update(tc_alpha=float(state["train_tc_alpha"]), tc_gamma=float(state["train_tc_gamma"]))
    return settings


@st.cache_data(show_spinner=False, max_entries=32)
def _probe(dataset: str, root: str | None, image_size: int | None, channels: int | None):
    from vae.data import load_dataset

    return load_dataset(dataset, "test", root=root, image_size=image_size, channels=channels, limit=4)


def start() -> None:
    """Start button: validate everything, then launch; problems are kept for the page to show."""
    state = st.session_state
    try:
        settings = settings_from(state)
    except ValueError as error:
        state["train_problems"] = [str(error)]
        return
    problems = launch.check_settings(settings, probe=_probe)
    if problems:
        state["train_problems"] = problems
        return
    run_dir = launch.start_run(settings, runs_dir(), state["train_name"])
    state["train_watch"] = str(run_dir)
    state["train_started"] = run_dir.name


def _field(widget, label_key: str, key: str, **kwargs):
    return widget(t(label_key), key=key, persist_state=SESSION, **kwargs)


def form(datasets: dict) -> None:
    family = st.session_state["train_model"]
    model, objective, data, run = st.columns(4, gap="medium")
    with model:
        st.markdown(f"**{t('train_section_model')}**")
        _field(st.selectbox, "train_family", "train_model", options=list(FAMILY_LABELS),
               format_func=lambda f: t(FAMILY_LABELS[f]), help=t("train_family_help"))
        if family != "vqvae":
            _field(st.selectbox, "train_arch_label", "train_arch", options=["mlp", "conv"],
                   format_func=lambda a: t(f"train_arch_{a}"))
        _field(st.number_input, "train_code_size" if family == "vqvae" else "train_latent_label", "train_latent",
               min_value=1, max_value=512, step=1, help=t("train_latent_help"))
        _field(st.text_input, "train_hidden_label", "train_hidden", help=t("train_hidden_help"), placeholder="256,64")
        _field(st.selectbox, "train_likelihood_label", "train_likelihood", options=["bernoulli", "gaussian"],
               format_func=lambda v: t(f"train_likelihood_{v}"), help=t("train_likelihood_help"))
    with objective:
        st.markdown(f"**{t('train_section_objective')}**")
        if family == "vqvae":
            _field(st.number_input, "train_codebook_label", "train_codebook", min_value=2, max_value=4096, step=8)
            _field(st.number_input, "train_commitment_label", "train_commitment", min_value=0.0, step=0.05,
                   help=t("train_commitment_help"))
        else:
            _field(st.number_input, "train_tc_beta" if family == "tcvae" else "train_beta_label", "train_beta",
                   min_value=0.0, max_value=1000.0, step=0.5, help=t("train_beta_help"))
            if family == "tcvae":
                _field(st.number_input, "train_tc_alpha_label", "train_tc_alpha", min_value=0.0, step=0.5)
                _field(st.number_input, "train_tc_gamma_label", "train_tc_gamma", min_value=0.0, step=0.5)
            _field(st.number_input, "train_capacity_label", "train_capacity", min_value=0.0, step=1.0,
                   help=t("train_capacity_help"))
            if st.session_state["train_capacity"] > 0:
                _field(st.number_input, "train_capacity_gamma_label", "train_capacity_gamma", min_value=0.0, step=100.0)
                _field(st.number_input, "train_capacity_steps_label", "train_capacity_steps", min_value=1, step=1000)
            _field(st.selectbox, "train_warmup_label", "train_warmup", options=["none", "linear", "cyclical"],
                   format_func=lambda v: t(f"train_warmup_{v}"), help=t("train_warmup_help"))
            if st.session_state["train_warmup"] != "none":
                _field(st.number_input, "train_warmup_steps_label", "train_warmup_steps", min_value=0, step=100)
    with data:
        st.markdown(f"**{t('train_section_data')}**")
        _field(st.selectbox, "train_dataset_label", "train_dataset", options=list(datasets),
               format_func=lambda n: n if datasets[n].available else f"{n} — {t('train_dataset_missing')}")
        chosen = datasets.get(st.session_state["train_dataset"])
        if chosen is not None:
            st.caption(chosen.description)
            if not chosen.available:
                st.warning(t("train_dataset_how", how=chosen.how_to_get))
        _field(st.number_input, "train_image_size_label", "train_image_size", min_value=0, max_value=256, step=4,
               help=t("train_image_size_help"))
        _field(st.number_input, "train_limit_label", "train_limit", min_value=0, step=100, help=t("train_limit_help"))
        _field(st.text_input, "train_exclude_label", "train_exclude", help=t("train_exclude_help"), placeholder="3")
        _field(st.text_input, "train_data_root_label", "train_data_root", help=t("train_data_root_help"))
    with run:
        st.markdown(f"**{t('train_section_run')}**")
        _field(st.number_input, "train_epochs_label", "train_epochs", min_value=1, max_value=10_000, step=1)
        _field(st.number_input, "train_batch_label", "train_batch", min_value=1, max_value=65_536, step=16)
        _field(st.number_input, "train_lr_label", "train_lr", min_value=1e-6, max_value=1.0, step=1e-4, format="%.4f")
        _field(st.segmented_control, "train_device_label", "train_device", options=["auto", "cpu", "cuda"],
               format_func=lambda d: t(f"train_device_{d}"), required=True)
        _field(st.number_input, "train_log_every_label", "train_log_every", min_value=1, step=1,
               help=t("train_log_every_help"))
        _field(st.number_input, "seed", "train_seed", min_value=0, step=1)


def watch() -> None:
    """Pick a run (the one just started by default) and watch it live."""
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

    chosen = st.selectbox(t("train_watch_pick"), dirs, key="train_watch_select", format_func=lambda p: Path(p).name)
    run_panel(chosen, key="train")


entry = sidebar()
for name, value in DEFAULTS.items():
    st.session_state.setdefault(name, value)
st.title(t("train_title"))
st.markdown(t("train_intro"))
st.pills(t("train_presets"), list(PRESETS), format_func=t, key="train_preset", on_change=apply_preset,
         help=t("train_presets_help"))
with st.container(border=True):
    form({s.name: s for s in list_datasets()})
    name_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
    name_col.text_input(t("train_name_label"), key="train_name", placeholder=t("train_name_placeholder"),
                        max_chars=80, help=t("train_name_help"), persist_state=SESSION)
    button_col.button(t("train_start"), key="train_start", type="primary", icon="🚀", on_click=start, width="stretch")
    for problem in st.session_state.pop("train_problems", []):
        st.error(t("train_problem", message=problem))
    started = st.session_state.pop("train_started", None)
    if started:
        st.success(t("train_started_msg", name=started))
watch()
