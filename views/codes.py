"""Discrete codes: a VQ-VAE's grid of code numbers for a picture, editing one cell, what each code
draws, how evenly the codebook is used, and samples from a learned prior beside a Gaussian VAE's."""

import streamlit as st

from ui.parts import codes as view
from ui.catalog import ModelEntry
from ui.i18n import t
from ui.loaders import model_for
from ui.page import open_page
from ui.pickers import pick_picture
from ui.state import keep_valid, next_seed
from vae.models.prior import PriorError

CHART_CONFIG = {"displayModeBar": False}


def _cell_clicked() -> None:
    # A callback runs before the script, while the row and column inputs may still be changed.
    cell = view.picked_cell(st.session_state.get("codes_grid_chart"))
    if cell is not None:
        st.session_state["codes_row"], st.session_state["codes_col"] = cell


def draw_picture(entry: ModelEntry, model, data, grid, cell: tuple[int, int], code: int, index: int) -> None:
    k, (rows, columns) = model.config.codebook_size, grid.shape
    pngs = view.edit_pngs(entry, index, cell, code, model, data, grid)
    left, middle, right = st.columns(3, vertical_alignment="center")
    left.image(pngs["original"], output_format="PNG", width="stretch", caption=t("original"))
    hover = f"{t('codes_row')} %{{customdata[0]}}, {t('codes_column')} %{{customdata[1]}}: {t('codes_click_hint')}"
    middle.plotly_chart(view.code_grid_figure(grid, k, cell, hover), key="codes_grid_chart", on_select=_cell_clicked,
                        selection_mode="points", width="stretch", config=CHART_CONFIG,
                        theme=None)  # Streamlit's theme would repaint every number in one colour
    middle.caption(t("codes_grid_caption", rows=rows, columns=columns, k=k))
    right.image(pngs["recon"], output_format="PNG", width="stretch", caption=t("reconstruction"))


def pick_edit(entry: ModelEntry, model, grid, index: int) -> tuple[tuple[int, int], int]:
    """Row, column and new code for one cell, from widgets (the chart's clicks also set row and column).

    The code slider starts at the code the cell holds, and starts there again when the cell, the picture or
    the model changes: the page then opens on "this is the code the cell already has", never on an edit
    the text beside it does not describe."""
    rows, columns = grid.shape
    keep_valid("codes_row", range(rows), 0)
    keep_valid("codes_col", range(columns), 0)
    row_box, column_box, code_box = st.columns([1, 1, 4], vertical_alignment="bottom")
    row = int(row_box.number_input(t("codes_row"), 0, rows - 1, step=1, key="codes_row"))
    column = int(column_box.number_input(t("codes_column"), 0, columns - 1, step=1, key="codes_col"))
    keep_valid("codes_new_code", range(model.config.codebook_size), int(grid[row, column]),
               shown=(entry.path, index, row, column))
    code = code_box.slider(t("codes_new_code"), 0, model.config.codebook_size - 1, key="codes_new_code",
                           help=t("codes_new_code_help"))
    return (row, column), int(code)


def draw_edit(entry: ModelEntry, model, data, grid, cell: tuple[int, int], code: int, index: int) -> None:
    pngs = view.edit_pngs(entry, index, cell, code, model, data, grid)
    current = int(grid[cell])
    st.markdown(t("codes_current_code", row=cell[0], column=cell[1], code=current))
    if code == current:
        st.info(t("codes_same_code"))
    columns = st.columns(3)
    columns[0].image(pngs["recon"], output_format="PNG", width="stretch", caption=t("reconstruction"))
    columns[1].image(pngs["edited"], output_format="PNG", width="stretch",
                     caption=t("codes_edited_caption", row=cell[0], column=cell[1], code=code))
    columns[2].image(pngs["difference"], output_format="PNG", width="stretch", caption=t("codes_difference_caption"))


def draw_strip(entry: ModelEntry, model, grid, cell: tuple[int, int], index: int) -> None:
    st.header(t("codes_strip_header"))
    st.markdown(t("codes_strip_help"))
    labels = {"cell": t("codes_strip_cell"), "fill": t("codes_strip_fill")}
    mode = st.segmented_control(t("codes_strip_mode"), list(labels), format_func=labels.get, default="cell",
                                required=True, key="codes_strip_mode") or "cell"
    # A filled grid does not depend on the picture or cell: one cache entry serves them all.
    key = (index, cell) if mode == "cell" else (-1, (0, 0))
    png = view.code_strip_png(entry, mode, *key, model, grid)
    st.image(png, output_format="PNG", width="stretch",
             caption=t("codes_strip_caption", last=model.config.codebook_size - 1))
    st.download_button(t("download_png"), png, file_name=f"{entry.name}-codes-{mode}-{index}.png", mime="image/png",
                       key="codes_download_strip", on_click="ignore")


def draw_usage(entry: ModelEntry, model, grids) -> None:
    st.header(t("codes_usage_header"))
    st.markdown(t("codes_usage_help"))
    k = model.config.codebook_size
    usage = view.usage_of(entry, grids)
    numbers = st.columns(3)
    numbers[0].metric(t("codes_perplexity"), f"{usage['perplexity']:.1f}", help=t("codes_perplexity_help", k=k))
    numbers[1].metric(t("codes_used"), f"{usage['used']} / {k}")
    numbers[2].metric(t("codes_dead"), len(usage["dead"]))
    text = {"hover": t("codes_usage_hover"), "even": t("codes_usage_even"), "x": t("codes_usage_x"),
            "y": t("codes_usage_y")}
    st.plotly_chart(view.usage_figure(usage, text), key="codes_usage_chart", width="stretch", config=CHART_CONFIG)
    if usage["dead"]:
        st.markdown(t("codes_dead_list", codes=", ".join(str(c) for c in usage["dead"])))
    else:
        st.markdown(t("codes_no_dead"))


def load_learned_prior(entry: ModelEntry, model):
    """The run's prior, or None after telling the user how to train one (or why it cannot be used)."""
    stamp = view.prior_stamp(entry)
    try:
        prior = view.cached_prior(entry, stamp, model)
    except PriorError as error:
        st.warning(t("codes_prior_problem", message=error))
        return None, stamp
    if prior is None:
        st.info(t("codes_no_prior"))
        st.code(f"python -m vae prior {entry.path}", language="bash")
    return prior, stamp


def draw_generation(entry: ModelEntry, model, models: list[ModelEntry]) -> None:
    st.header(t("codes_gen_header"))
    st.markdown(t("codes_gen_help"))
    prior, stamp = load_learned_prior(entry, model)
    st.session_state.setdefault("codes_seed", 0)
    temp_box, seed_box, button = st.columns([4, 2, 2], vertical_alignment="bottom")
    temperature = temp_box.slider(t("codes_temperature"), 0.1, 2.0, 1.0, 0.1, key="codes_temperature",
                                  help=t("codes_temperature_help"))
    seed = int(seed_box.number_input(t("seed"), 0, 2**31 - 1, step=1, key="codes_seed"))
    button.button(t("codes_new_samples"), key="codes_new", on_click=next_seed, args=("codes_seed",))
    try:
        pngs = view.generation_pngs(entry, stamp, temperature, seed, model, prior)
    except PriorError as error:  # a damaged prior that loaded but cannot sample
        st.warning(t("codes_prior_problem", message=error))
        prior = None
        pngs = view.generation_pngs(entry, stamp, temperature, seed, model, None)
    panels = st.columns(3)
    if "learned" in pngs:
        panels[0].image(pngs["learned"], output_format="PNG", width="stretch", caption=t("codes_learned_caption"))
    panels[1].image(pngs["unigram"], output_format="PNG", width="stretch", caption=t("codes_unigram_caption"))
    vae = view.same_data_vae(entry, models)
    if vae is None:
        panels[2].info(t("codes_no_vae", dataset=entry.dataset))
    else:
        png = view.vae_samples_png(vae, temperature, seed, model_for(vae))
        panels[2].image(png, output_format="PNG", width="stretch", caption=t("codes_vae_caption", name=vae.name))
    metrics = view.prior_metrics(entry, stamp) if prior is not None else None
    if metrics:
        st.caption(t("codes_prior_nll", grids=metrics["held_out_grids"], nll=metrics["nll"],
                     bits=metrics["bits_per_cell"], unigram=metrics["unigram_nll"],
                     unigram_bits=metrics["unigram_bits_per_cell"]))
    st.markdown(t("codes_why_blurry"))


opened = open_page("codes_title", "codes_intro", fits=lambda m: m.kind.codes,
                   reason_key="codes_needs_vqvae", data_optional=True)
entry, model, data = opened.entry, opened.model, opened.data
if data is not None and len(data) > 0:
    st.header(t("codes_picture_header"))
    st.markdown(t("codes_picture_help"))
    grids = view.test_grids(entry, model, data)
    index = pick_picture("codes_pic", entry, data, class_label=t("picture_class"), param="pic")
    if index is not None:
        picture_area = st.container()  # drawn after the edit widgets, which it needs, but shown above them
        st.header(t("codes_edit_header"))
        st.markdown(t("codes_edit_help"))
        cell, code = pick_edit(entry, model, grids[index], index)
        with picture_area:
            draw_picture(entry, model, data, grids[index], cell, code, index)
        draw_edit(entry, model, data, grids[index], cell, code, index)
        draw_strip(entry, model, grids[index], cell, index)
    draw_usage(entry, model, grids)
draw_generation(entry, model, opened.models)
