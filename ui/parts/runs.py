"""A training run as the class sees it: its progress, the runs table's rows, and `run_panel`, which draws its
facts (ui.parts.run_facts) live with the figures of ui.parts.run_charts."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from ui.catalog import runs_dir
from ui.i18n import language, t
from ui.parts.run_charts import epoch_number, kl_heatmap, loss_figure, show_picture, strip_epochs
from ui.parts.run_facts import RunFacts, read_facts
from ui.sidebar import family_label
from vae.training import launch
from vae.training.runs import CHECKPOINT_NAME, RECONS_DIR, SAMPLES_DIR, epoch_images, has_checkpoint

ACTIVE_KL = 0.05  # nats: a latent dimension below this has collapsed (the threshold of vae.explore.latent.dimension_order)
POLL_S = 1.0  # seconds between live updates of a running run's progress
CHART_POLL_S = 2.0  # ... and of its charts and pictures (heavier for the browser)
# Text symbols, not emoji: the runs table is drawn on a canvas, where only a font's glyphs show (Debian's
# Chromium without an emoji font drew boxes); DejaVu, on every Linux desktop, has these.
STATE_ICONS = {"starting": "◔", "running": "●", "stopping": "■", "finished": "✔", "stopped": "‖",
               "failed": "✘", "interrupted": "⚠", "unknown": "?"}
COMPARE_METRICS = ("test_loss", "loss", "recon", "kl", "test_recon", "test_kl")


# ---------------------------------------------------------------- numbers

@dataclass(frozen=True)
class Progress:
    fraction: float  # 0..1 of all optimizer steps
    epoch: int  # the epoch under way (1-based), or the completed ones when the run is over
    step: int
    total_steps: int | None
    rate: float | None  # training images per second
    eta_s: float | None  # seconds left, while live


def _pace(steps: list[dict], window: int = 30, gap_s: float = 30.0) -> tuple[float | None, float | None]:
    """(images/s of the training steps, optimizer steps per wall-clock second including the end-of-epoch
    tests and pictures), both over the latest events of this session (a pause ends the window)."""
    recent = steps[-window:]
    for i in range(len(recent) - 1, 0, -1):
        if recent[i].get("time", 0) - recent[i - 1].get("time", 0) > gap_s:
            recent = recent[i:]
            break
    rates = [e["samples_per_s"] for e in recent
             if isinstance(e.get("samples_per_s"), (int, float)) and e["samples_per_s"] > 0]
    images = len(rates) / sum(1 / r for r in rates) if rates else None  # harmonic mean: equal images per event
    wall = recent[-1].get("time", 0) - recent[0].get("time", 0) if len(recent) > 1 else 0
    pace = (recent[-1]["step"] - recent[0]["step"]) / wall if wall > 0 else None
    return images, pace


def progress_of(facts: RunFacts, now: float | None = None) -> Progress:
    """Where the run is: the last step event, steps in all from the first epoch (or the trainer's own eta),
    and time left at the pace of the last few seconds."""
    now = time.time() if now is None else now
    last = facts.steps[-1] if facts.steps else {}
    step = int(last.get("step", facts.status.get("step", 0)))
    total = None
    if facts.epochs and facts.epochs[0].get("epoch"):
        total = round(facts.epochs[0]["step"] / facts.epochs[0]["epoch"]) * facts.total_epochs
    elif last.get("samples_per_s") and "eta_s" in last:
        batch = int(facts.setting("train", "batch_size"))
        total = step + round(last["eta_s"] * last["samples_per_s"] / batch)
    # Full only once finished: after the last step come the test, the pictures and the checkpoint.
    fraction = 1.0 if facts.state.state == "finished" else (min(0.99, step / total) if total else 0.0)
    live = facts.state.live and bool(last)
    rate, pace = _pace(facts.steps) if live else (None, None)
    eta = None
    if live and total and pace:
        eta = max(0.0, (total - step) / pace - (now - last.get("time", now)))
    elif live and "eta_s" in last:
        eta = max(0.0, last["eta_s"] - (now - last.get("time", now)))
    epoch = int(last.get("epoch", 0)) if facts.state.live else int(facts.status.get("epoch", 0))
    return Progress(fraction, epoch, step, total, rate, eta)


def active_dims(kl_per_dim: list[float] | None) -> int | None:
    return None if not kl_per_dim else sum(v >= ACTIVE_KL for v in kl_per_dim)


def duration_text(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "–"
    s = int(round(seconds))
    if s < 60:
        return t("run_dur_s", s=s)
    if s < 3600:
        return t("run_dur_m", m=s // 60, s=s % 60)
    return t("run_dur_h", h=s // 3600, m=s % 3600 // 60)


def state_text(state: str) -> str:
    return f"{STATE_ICONS.get(state, '?')} {t('run_state_' + state if state in STATE_ICONS else 'run_state_unknown')}"


def table_row(facts: RunFacts, now: float | None = None) -> dict:
    """One row of the runs table (column keys are translation keys)."""
    now = time.time() if now is None else now
    last = facts.epochs[-1] if facts.epochs else {}
    started = facts.status.get("started") or facts.launched.get("started")
    end = now if facts.state.live else facts.status.get("updated")
    if facts.kind.codes:
        units = f"{last['usage']:.0%} {t('runs_codes')}" if "usage" in last else "–"
    else:
        n = active_dims(last.get("kl_per_dim"))
        units = f"{n} / {len(last['kl_per_dim'])}" if n is not None else "–"
    return {
        "runs_col_name": facts.name, "runs_col_family": family_label(facts),
        "runs_col_dataset": facts.dataset, "runs_col_beta": facts.beta,
        "runs_col_status": t("run_damaged_short", why=facts.problem) if facts.problem else state_text(facts.state.state),
        "runs_col_epochs": f"{int(facts.status.get('epoch', last.get('epoch', 0)))} / {facts.total_epochs}",
        "runs_col_test_loss": last.get("test_loss"), "runs_col_active": units,
        "runs_col_started": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)) if started else "–",
        "runs_col_duration": duration_text(end - started) if started and end else "–",
    }


def rows_to_names(rows: list[int], names: list[str]) -> list[str]:
    """Table rows picked with the mouse -> the run names to overlay (rows no longer in the table are ignored)."""
    return [names[i] for i in rows if 0 <= i < len(names)]


# ---------------------------------------------------------------- the live panel

def run_panel(run_dir: str | Path, key: str) -> None:
    """Status, progress, controls, curves and pictures of one run. While it runs, the status rereads the
    files every second and the charts every two (only these parts of the page rerun: a plotly chart is
    drawn afresh on each change); once the run is over nothing polls."""
    state = launch.run_state(run_dir)
    if state is None:
        st.info(t("run_gone"))
        return
    st.fragment(run_every=POLL_S if state.live else None)(_status)(str(run_dir), key, state.live)
    st.fragment(run_every=CHART_POLL_S if state.live else None)(_visuals)(str(run_dir))


def _status(path: str, key: str, was_live: bool) -> None:
    if st.session_state.pop(f"{key}_open", False):
        st.switch_page("views/traversal.py")
    facts = read_facts(path)
    if facts is None or facts.state.live != was_live:
        st.rerun()  # deleted, finished or resumed: the whole page redraws (and polls only if needed)
    _header(facts)
    _controls(facts, key)
    _problem(facts)


def _visuals(path: str) -> None:
    facts = read_facts(path)
    if facts is not None:
        _charts(facts)
        _pictures(facts)


def _header(facts: RunFacts) -> None:
    st.subheader(f"{STATE_ICONS.get(facts.state.state, '?')} {facts.name}")
    latent = facts.setting("model", "latent_dim", "?")
    st.caption(t("run_facts", family=family_label(facts), dataset=facts.dataset,
                 beta=f"{facts.beta:g}", latent=latent, state=state_text(facts.state.state)))
    p = progress_of(facts)
    if facts.state.state == "starting" or (facts.state.live and not facts.steps):
        text = t("run_progress_starting")
    else:
        epoch = max(p.epoch, 1) if facts.state.live else p.epoch
        parts = [t("run_progress_epoch", epoch=epoch, epochs=facts.total_epochs),
                 t("run_progress_step", step=f"{p.step:,}", total=f"{p.total_steps:,}" if p.total_steps else "?")]
        if p.rate:
            parts.append(t("run_progress_rate", rate=f"{p.rate:,.0f}"))
        if p.eta_s is not None:
            parts.append(t("run_progress_eta", eta=duration_text(p.eta_s)))
        text = " · ".join(parts)
    st.progress(p.fraction, text=text)
    if facts.epochs:
        _headline(facts)


def _headline(facts: RunFacts) -> None:
    last, before = facts.epochs[-1], (facts.epochs[-2] if len(facts.epochs) > 1 else {})

    def delta(name):
        return f"{last[name] - before[name]:+.2f}" if name in last and name in before else None

    cols = st.columns(4)
    cols[0].metric(t("run_metric_test_loss"), f"{last.get('test_loss', float('nan')):.2f}", delta("test_loss"),
                   delta_color="inverse", help=t("run_metric_test_loss_help"))
    cols[1].metric(t("run_metric_recon"), f"{last.get('test_recon', float('nan')):.2f}", delta("test_recon"),
                   delta_color="inverse")
    if facts.kind.codes:
        cols[2].metric(t("run_metric_perplexity"), f"{last.get('perplexity', float('nan')):.1f}")
        cols[3].metric(t("run_metric_codes"), f"{last.get('usage', 0):.0%}")
    else:
        cols[2].metric(t("run_metric_kl"), f"{last.get('test_kl', float('nan')):.2f}", delta("test_kl"),
                       delta_color="off")
        kl = last.get("kl_per_dim") or []
        cols[3].metric(t("run_metric_active"), f"{active_dims(kl) or 0} / {len(kl)}",
                       help=t("run_metric_active_help"))


def _act(key: str, action, *args) -> None:
    # A callback: runs before the page, so a failure is kept for the panel to show.
    try:
        action(*args, runs_root=runs_dir())
    except (launch.LaunchError, OSError) as error:
        st.session_state[f"{key}_error"] = str(error)


def _extend(key: str, path: str, epochs_key: str) -> None:
    # Read the number at click time: arguments bound when the button was drawn may predate the last edit.
    _act(key, launch.resume_run, path, int(st.session_state[epochs_key]))


def _open(key: str, path: str) -> None:
    st.session_state["model_path"] = path  # the explorer pages' model picker
    st.session_state[f"{key}_open"] = True


def _controls(facts: RunFacts, key: str) -> None:
    path, state = str(facts.path), facts.state.state
    k = f"{key}_{facts.name}"
    row = st.container(horizontal=True)
    if facts.state.live:
        row.button(t("run_stopping") if state == "stopping" else t("run_stop"), key=f"{k}_stop",
                   icon=":material/stop:",
                   disabled=state == "stopping" or facts.state.pid is None, on_click=_act,
                   args=(key, launch.stop_run, path))
    else:
        resumable = facts.problem is None and bool(facts.config)  # no checkpoint: the trainer starts again
        if state != "finished" and resumable:
            label = t("run_resume") if has_checkpoint(facts.path) else t("run_retry")
            row.button(label, key=f"{k}_resume", icon=":material/play_arrow:", type="primary", on_click=_act,
                       args=(key, launch.resume_run, path))
        if state == "finished" and has_checkpoint(facts.path):
            row.button(t("run_open"), key=f"{k}_open", icon=":material/explore:", type="primary", on_click=_open,
                       args=(key, path))
            with row.popover(t("run_more"), icon=":material/more_horiz:"):
                st.number_input(t("run_more_epochs"), 1, 10_000, facts.total_epochs + 10, key=f"{k}_epochs")
                st.button(t("run_more_go"), key=f"{k}_more", on_click=_extend, args=(key, path, f"{k}_epochs"))
        if has_checkpoint(facts.path):
            checkpoint = facts.path / CHECKPOINT_NAME  # read only when the button is pressed
            row.download_button(t("run_download"), data=checkpoint.read_bytes, file_name=f"{facts.name}.safetensors",
                                mime="application/octet-stream", key=f"{k}_download", icon=":material/download:",
                                on_click="ignore")
        with row.popover(t("run_delete"), icon=":material/delete:"):
            st.write(t("run_delete_confirm", name=facts.name))
            st.button(t("run_delete_go"), key=f"{k}_delete", type="primary", on_click=_act,
                      args=(key, launch.delete_run, path))
    error = st.session_state.pop(f"{key}_error", None)
    if error:
        st.error(t("run_action_failed", message=error))


def _problem(facts: RunFacts) -> None:
    state = facts.state.state
    if facts.problem:
        st.error(t("run_damaged", why=facts.problem))
    elif state == "failed":
        st.error(t("run_failed", message=facts.state.message or t("run_no_message")))
        lines = launch.log_tail(facts.path, 15)
        if lines:
            st.code("\n".join(lines), language=None, wrap_lines=True)
    elif state == "interrupted":
        st.warning(t("run_interrupted"))
    elif state == "stopped":
        st.info(t("run_stopped_note"))


@st.cache_resource(show_spinner=False, max_entries=32)
def _figures(path: str, stamp: tuple, lang: str, _facts: RunFacts) -> tuple[go.Figure, go.Figure | None]:
    # Shared by every viewer of the run (a class, several tabs) until metrics.jsonl changes; never mutated.
    return loss_figure(_facts), kl_heatmap(_facts)


def _charts(facts: RunFacts) -> None:
    if not facts.steps:
        return
    loss, heat = _figures(str(facts.path), facts.stamp, language(), facts)
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.plotly_chart(loss, key=f"loss_{facts.name}", config={"displaylogo": False})
    with right:
        if heat is not None:
            st.plotly_chart(heat, key=f"heat_{facts.name}", config={"displaylogo": False})
            st.caption(t("run_heat_help"))
        else:
            st.info(t("run_heat_vq"))


def _pictures(facts: RunFacts) -> None:
    samples, recons = epoch_images(facts.path, SAMPLES_DIR), epoch_images(facts.path, RECONS_DIR)
    if not samples:
        return
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{t('run_samples', epoch=epoch_number(samples[-1]))}**")
        show_picture(st, samples[-1], width="stretch")
        caption = ("run_samples_cvae" if facts.kind.conditional else "run_samples_vq" if facts.kind.codes
                   else "run_samples_help")
        st.caption(t(caption))
    if recons:
        with right:
            st.markdown(f"**{t('run_recons', epoch=epoch_number(recons[-1]))}**")
            show_picture(st, recons[-1], width="stretch")
            st.caption(t("run_recons_help"))
    if len(samples) > 1:
        st.markdown(f"**{t('run_strip')}**")
        chosen = strip_epochs(samples)
        for column, path in zip(st.columns(len(chosen)), chosen):
            show_picture(column, path, 320, caption=t("run_epoch", epoch=epoch_number(path)), width="stretch")
