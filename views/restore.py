"""Denoise and complete: spoil a test picture or an upload with noise or a hidden region, then repair it
with the model (one reconstruction, iterative completion for hidden regions, and code search) beside PCA
and a median filter, each scored by PSNR (and SSIM where the pictures are large enough) against the clean
picture."""

import numpy as np
import streamlit as st
import torch

from ui import url_state

from ui.teaching import present
from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import gif_bytes, to_pil
from ui.page import open_page
from ui.pickers import class_names, pick_class, pick_picture
from ui.parts.restore import cell_png, curve_figure, row_png, shipped_restoration, shown_rounds, strip_png
from ui.state import next_seed
from vae.config import TrainConfig
from vae.data import DatasetUnavailable, split_config
from vae.explore.restore import (KINDS, MASKS, Comparison, Corruption, PCABaseline, baseline_components, compare, psnr,
                         training_pca)
from vae.data.upload import MAX_ASPECT, MAX_BYTES, MAX_PIXELS, MIN_SIDE, BadUpload, Upload, read_upload

@st.cache_resource(show_spinner=False, max_entries=8)
def pca_baseline(data: TrainConfig, components: int) -> PCABaseline:
    """The PCA baseline of a training split (shared; never mutate). Keyed by the settings that decide the
    split's pictures (vae.data.split_config), so models on the same data with the same code size share one fit."""
    return training_pca(data, components)


@st.cache_data(show_spinner=False, max_entries=32)
def cached_upload(data: bytes, image_shape: tuple[int, int, int]) -> Upload:
    return read_upload(data, image_shape)


@st.cache_data(show_spinner=False, max_entries=64)
def restoration(entry: ModelEntry, clean: np.ndarray, label: int | None, spec: Corruption, iterations: int,
                _model, _baseline: PCABaseline) -> Comparison:
    y = None if label is None else torch.tensor([label])
    return compare(_model, _baseline, torch.from_numpy(clean)[None], spec, iterations, y)


def pick_test_picture(entry: ModelEntry, data) -> tuple[torch.Tensor, int | None] | None:
    """The picker -> the clean picture (C, H, W) and its class (None if unlabelled), or None."""
    index = pick_picture("restore", entry, data, param="pic")
    if index is None:
        return None
    return data.images[index], None if data.labels is None else int(data.labels[index])


def pick_upload(entry: ModelEntry, shape: tuple[int, int, int], names: list[str]):
    """The uploader, its invert box and (for a conditional VAE) a class picker -> (picture, class) or None."""
    _, height, width = shape
    # No type filter: Streamlit's would refuse a GIF with a chip's hover text only; read_upload says why.
    file = st.file_uploader(t("restore_upload", mb=MAX_BYTES // 2**20),
                            key="restore_upload", max_upload_size=MAX_BYTES // 2**20,
                            help=t("restore_upload_help", width=width, height=height))
    if file is None:
        st.info(t("restore_upload_prompt"))
        return None
    try:
        upload = cached_upload(file.getvalue(), shape)
    except BadUpload as error:
        st.error(t(f"restore_bad_{error.reason}", mb=MAX_BYTES // 2**20, mp=MAX_PIXELS // 10**6, aspect=MAX_ASPECT,
                   side=MIN_SIDE))
        return None
    if st.session_state.get("restore_upload_seen") != file.file_id:  # a new file: suggest its own inversion
        st.session_state["restore_upload_seen"] = file.file_id
        st.session_state["restore_invert"] = upload.bright_border
    invert = st.checkbox(t("restore_invert"), key="restore_invert", help=t("restore_invert_help"))
    label = None
    if entry.num_classes:
        label = pick_class("restore_upload_class", names, t("restore_upload_class"), help=t("restore_upload_class_help"))
    return (1 - upload.image if invert else upload.image), label


def _nonempty(span: tuple[int, int], size: int) -> tuple[int, int]:
    """A range slider with both ends together hides nothing: widen it to one pixel row or column."""
    start = min(span[0], size - 1)
    return start, max(span[1], start + 1)


def _with_reseed(button_key: str) -> st.delta_generator.DeltaGenerator:
    """A wide column for a slider beside a button that draws new randomness (a new seed)."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    right.button(t(button_key), key=button_key, on_click=next_seed, args=("restore_seed",))
    return left


def _resend(key: str, options, default: str) -> None:
    """Before a choice's widget is drawn: write its value back into session state, so every run sends it to
    the browser. The browser forgets a widget's value when a run that drew it is cut short by the next one
    (a second upload while the first is being repaired); a widget drawn without a value then shows nothing
    chosen, and sends "nothing" back, while the page goes on applying the old value (issue 24, bug 2)."""
    value = st.session_state.get(key)
    st.session_state[key] = value if value in options else default


def pick_corruption(height: int, width: int) -> tuple[Corruption, int]:
    """The corruption widgets -> the Corruption and the number of completion rounds."""
    _resend("restore_kind", KINDS, "noise")
    url_state.restore("corruption", "restore_kind", url_state.choice({k: k for k in KINDS}))
    kind = st.segmented_control(t("restore_kind"), KINDS, format_func=lambda k: t(f"restore_kind_{k}"),
                                key="restore_kind", required=True, persist_state="session")
    url_state.keep("corruption", kind, default="noise")
    if kind != "mask":
        url_state.keep("mask", None)  # a link's mask belongs to the mask corruption only
    st.session_state.setdefault("restore_seed", 0)
    seed = int(st.session_state["restore_seed"])
    if kind == "noise":
        sigma = _with_reseed("restore_new_noise").slider(t("restore_sigma"), 0.0, 1.0, 0.3, 0.05, key="restore_sigma",
                                                         help=t("restore_sigma_help"), persist_state="session")
        return Corruption("noise", sigma=sigma, seed=seed), 0
    if kind == "salt_pepper":
        rate = _with_reseed("restore_new_noise").slider(t("restore_rate"), 0.0, 0.5, 0.1, 0.01, key="restore_rate",
                                                        help=t("restore_rate_help"), persist_state="session")
        return Corruption("salt_pepper", rate=rate, seed=seed), 0
    _resend("restore_mask", MASKS, "bottom")
    url_state.restore("mask", "restore_mask", url_state.choice({m: m for m in MASKS}))
    mask = st.segmented_control(t("restore_mask"), MASKS, format_func=lambda m: t(f"restore_mask_{m}"), wrap=True,
                                key="restore_mask", required=True, persist_state="session")
    url_state.keep("mask", mask, default="bottom")
    rows, cols, block = (0, 1), (0, 1), 0.5
    if mask == "rectangle":  # keyed by size: a range from another model's pictures may not fit
        rows = st.slider(t("restore_rows"), 0, height, (height // 4, 3 * height // 4), key=f"restore_rows_{height}")
        cols = st.slider(t("restore_cols"), 0, width, (width // 4, 3 * width // 4), key=f"restore_cols_{width}")
        rows, cols = _nonempty(rows, height), _nonempty(cols, width)
    elif mask == "random":
        block = _with_reseed("restore_new_block").slider(t("restore_block"), 0.2, 0.8, 0.5, 0.05, key="restore_block",
                                                         persist_state="session")
    with present.advanced():
        iterations = st.slider(t("restore_iterations"), 1, 100, 20, key="restore_iterations",
                               help=t("restore_iterations_help"), persist_state="session")
    return Corruption("mask", mask=mask, rows=rows, cols=cols, block=block, seed=seed), iterations


def _caption(title: str, result: Comparison, name: str, best: str | None) -> str:
    scores = [t("restore_psnr", value=float(result.psnr[name][0]))]
    if result.ssim is not None:
        scores.append(t("restore_ssim", value=float(result.ssim[name][0])))
    star = f" ★ {t('restore_best')}" if name == best else ""
    return f"{title} · {' · '.join(scores)}{star}"


def draw_row(entry: ModelEntry, result: Comparison, spec: Corruption, iterations: int, components: int) -> None:
    """Clean | spoiled | the model's repairs | the baselines', each captioned with its scores; the row as a PNG."""
    titles = {"model": t("restore_method_model"), "completion": t("restore_method_completion", n=iterations),
              "search": t("restore_method_search"), "pca": t("restore_method_pca", k=components),
              "pca_completion": t("restore_method_pca_completion", n=iterations), "median": t("restore_method_median")}
    methods = {name: title for name, title in titles.items() if name in result.restored}  # in this order
    best = max(methods, key=lambda m: float(result.psnr[m][0]))
    missing = ~result.corrupted.known[0, 0] if spec.kind == "mask" else None
    corrupted_title = t("restore_corrupted_masked") if missing is not None else t("restore_corrupted")
    cells = [(result.clean[0], None, t("restore_clean"), None),
             (result.corrupted.image[0], missing, corrupted_title, "corrupted"),
             *((result.restored[m][0], None, title, m) for m, title in methods.items())]
    for column, (picture, hidden, title, name) in zip(st.columns(len(cells)), cells):
        caption = title if name is None else _caption(title, result, name, best)
        column.image(cell_png(picture, hidden), output_format="PNG", width="stretch", caption=caption)
    height, width = result.clean.shape[-2:]
    note = t("restore_ssim_note") if result.ssim is not None else t("restore_no_ssim_note", width=width, height=height)
    st.caption(t("restore_scores_help", ssim=note) + (f" {t('restore_masked_note')}" if missing is not None else ""))
    notes = [""] + [f"PSNR {float(result.psnr[n][0]):.1f} dB" + (
        f", SSIM {float(result.ssim[n][0]):.2f}" if result.ssim is not None else "") for n in ["corrupted", *methods]]
    png = row_png([c[0] for c in cells], notes, missing)
    st.download_button(t("restore_download_row"), png, file_name=f"{entry.name}-{spec.kind}-restored.png",
                       mime="image/png", key="restore_download_row", on_click="ignore")


def draw_strip(entry: ModelEntry, result: Comparison, iterations: int) -> None:
    """The completion rounds of the model over those of PCA, and PSNR after each round."""
    st.subheader(t("restore_strip_header"))
    rounds = shown_rounds(iterations)
    model, pca = result.strips["completion"][:, 0], result.strips["pca_completion"][:, 0]  # (T + 1, C, H, W)
    missing = ~result.corrupted.known[0, 0]
    st.image(strip_png([model, pca], rounds, missing), output_format="PNG", width="stretch",
             caption=t("restore_strip_caption", rounds=", ".join(map(str, rounds))))
    names = {"title": t("restore_curve_title"), "round": t("restore_curve_round"),
             "model": t("restore_curve_model"), "pca": t("restore_curve_pca")}
    st.plotly_chart(curve_figure(psnr(model, result.clean).tolist(), psnr(pca, result.clean).tolist(), names),
                    width="stretch", key="restore_curve")
    gif = lambda: gif_bytes([to_pil(model[r], 256) for r in rounds], duration_ms=300, bounce=False)  # noqa: E731 (made when clicked)
    st.download_button(t("download_gif"), gif, file_name=f"{entry.name}-completion.gif", mime="image/gif",
                       key="restore_download_gif", on_click="ignore")


opened = open_page("restore_title", "restore_intro")
entry, model, test = opened.entry, opened.model, opened.data
components = baseline_components(model)

shape = tuple(model.config.image_shape)
names = class_names(entry, test)
picture_side, corruption_side = st.columns(2, gap="large")  # side by side: the pictures stay in view
with picture_side:
    st.subheader(t("restore_input_header"))
    source = st.segmented_control(t("restore_source"), ["test", "upload"], key="restore_source", default="test",
                                  format_func=lambda s: t(f"restore_source_{s}"), required=True)
    chosen = pick_test_picture(entry, test) if source == "test" else pick_upload(entry, shape, names)
if chosen is not None:
    clean, label = chosen
    with corruption_side:
        st.subheader(t("restore_corrupt_header"))
        spec, iterations = pick_corruption(shape[1], shape[2])
    label = label if entry.num_classes else None
    result = shipped_restoration(entry, clean, label, spec, iterations, components)  # None unless precomputed
    if result is None:
        with st.spinner(t("restore_working")):  # the PCA fit and code search take a few seconds on a CPU
            try:
                baseline = pca_baseline(split_config(entry.train, "train"), components)
            except DatasetUnavailable as error:
                st.warning(t("data_missing", message=error))
                st.stop()
            result = restoration(entry, clean.numpy(), label, spec, iterations, model, baseline)
    st.subheader(t("restore_result_header"))
    draw_row(entry, result, spec, iterations, components)
    if spec.kind == "mask":
        draw_strip(entry, result, iterations)
st.subheader(t("restore_how_header"))
st.markdown(t("restore_how", k=components))
