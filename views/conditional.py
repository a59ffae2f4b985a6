"""Conditional sampling: a CVAE is told the class, so z keeps only the style. Draw one class, decode one
style as every class, and redraw a real test picture as every other class."""

import streamlit as st
import torch
from PIL import Image, ImageDraw, ImageFont

from ui.catalog import ModelEntry
from ui.i18n import t
from ui.images import png_bytes
from ui.page import open_page
from ui.pickers import pick_class, pick_picture
from ui.state import next_seed
from ui.teaching import present
from vae.explore.grids import grid_pil
from vae.explore.latent import decode_every_class, prior_codes, sample_class

SAMPLES, COLUMNS = 40, 10  # the class grid: 4 rows of 10
STYLE_ROWS = 6  # codes in the "style held, class changed" grid: the first samples of the class grid
PADDING = 2  # grid_pil's gap between cells
MAX_WIDTH = 1400  # st.image shrinks (bilinear, blurry) anything wider than 1460 px


def cell_factor(width: int, columns: int) -> int:
    """The largest whole enlargement of a width-pixel picture that keeps `columns` of them within MAX_WIDTH."""
    return max(1, ((MAX_WIDTH - PADDING) // columns - PADDING) // width)


def labelled_grid(images: torch.Tensor, names: list[str], columns: int | None = None) -> Image.Image:
    """(R, K, C, H, W) -> a grid of R rows and K columns under a white band naming each column; cells are
    sized as in a grid of `columns` columns (default K)."""
    _, count, _, height, width = images.shape
    factor = cell_factor(width, columns or count)
    grid = grid_pil(images.flatten(0, 1), nrow=count, min_side=factor * height)
    pitch = factor * width + PADDING
    size = max(10, min(28, pitch // 5))
    band = size + 14
    picture = Image.new("RGB", (grid.width, grid.height + band), "white")
    picture.paste(grid, (0, band))
    draw = ImageDraw.Draw(picture)
    for k, name in enumerate(names):
        font = ImageFont.load_default(size)
        while draw.textlength(name, font=font) > pitch - 4 and font.size > 8:  # long names shrink to fit
            font = ImageFont.load_default(font.size - 1)
        draw.text((PADDING + k * pitch + pitch // 2 - 1, band // 2), name, fill="black", font=font, anchor="mm")
    return picture


@st.cache_data(show_spinner=False, max_entries=64)
def class_png(entry: ModelEntry, label: int, temperature: float, seed: int, _model) -> bytes:
    images = sample_class(_model, label, SAMPLES, temperature, seed)  # (SAMPLES, C, H, W)
    factor = cell_factor(images.shape[-1], COLUMNS)
    return png_bytes(grid_pil(images, nrow=COLUMNS, min_side=factor * images.shape[-2]))


@st.cache_data(show_spinner=False, max_entries=64)
def style_png(entry: ModelEntry, names: tuple, temperature: float, seed: int, _model) -> bytes:
    z = prior_codes(SAMPLES, _model.latent_dim, temperature, seed)[:STYLE_ROWS]  # the class grid's first codes
    return png_bytes(labelled_grid(decode_every_class(_model, z), list(names)))


@st.cache_data(show_spinner=False, max_entries=64)
def restyle_pngs(entry: ModelEntry, names: tuple, index: int, _model, _data) -> tuple[bytes, bytes]:
    """The test picture at index (enlarged like a grid cell) and its code decoded as every class."""
    x, y = _data.images[index:index + 1], _data.labels[index:index + 1]  # (1, C, H, W), (1,)
    with torch.no_grad():
        mu, _ = _model.encode(x.to(_model.device), y.to(_model.device))
    original = labelled_grid(x[None].cpu(), [""], columns=len(names))  # same cell size and header band
    return png_bytes(original), png_bytes(labelled_grid(decode_every_class(_model, mu), list(names)))


def draw_samples(entry: ModelEntry, model, names: list[str]) -> tuple[float, int]:
    st.header(t("cond_sample_header"))
    st.markdown(t("cond_sample_help"))
    st.session_state.setdefault("cond_seed", 0)
    pick, temp, seed_box, button = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    label = pick_class("cond_class", names, t("cond_class_picker"), place=pick, persist_state="session", param="class")
    temperature = temp.slider(t("cond_temperature"), 0.1, 2.0, 1.0, 0.1, key="cond_temperature",
                              help=t("cond_temperature_help"), persist_state="session")
    seed = int(seed_box.number_input(t("seed"), min_value=0, max_value=2**31 - 1, step=1, key="cond_seed",
                                     persist_state="session"))
    button.button(t("cond_new_samples"), key="cond_new", on_click=next_seed, args=("cond_seed",))
    png = class_png(entry, label, temperature, seed, model)
    st.image(png, output_format="PNG", width="stretch",
             caption=t("cond_sample_caption", n=SAMPLES, name=names[label], temperature=temperature, seed=seed))
    st.download_button(t("download_png"), png, file_name=f"{entry.name}-class{label}-t{temperature:g}-seed{seed}.png",
                       mime="image/png", key="cond_download_samples", on_click="ignore")
    return temperature, seed


def draw_style_swap(entry: ModelEntry, model, names: list[str], temperature: float, seed: int) -> None:
    st.header(t("cond_style_header"))
    st.markdown(t("cond_style_help", rows=STYLE_ROWS))
    png = style_png(entry, tuple(names), temperature, seed, model)
    st.image(png, output_format="PNG", width="stretch")
    st.download_button(t("download_png"), png, file_name=f"{entry.name}-styles-t{temperature:g}-seed{seed}.png",
                       mime="image/png", key="cond_download_styles", on_click="ignore")


def draw_restyle(entry: ModelEntry, model, data, names: list[str]) -> None:
    st.header(t("cond_encode_header"))
    st.markdown(t("cond_encode_help"))
    picked = pick_picture("cond_pic", entry, data, class_label=t("picture_class"))
    if picked is None:
        return
    label = int(data.labels[picked])
    original, strip = restyle_pngs(entry, tuple(names), picked, model, data)
    left, right = st.columns([1, len(names)], vertical_alignment="top")
    left.image(original, output_format="PNG", width="stretch", caption=t("original"))
    right.image(strip, output_format="PNG", width="stretch",
                caption=t("cond_restyled_caption", index=picked, name=names[label]))
    right.download_button(t("download_png"), strip, file_name=f"{entry.name}-restyle-class{label}-{picked}.png",
                          mime="image/png", key="cond_download_restyle", on_click="ignore")


opened = open_page("cond_title", "cond_intro", fits=lambda m: m.kind.conditional, reason_key="cond_needs_classes",
                   data_optional=True)
entry, model = opened.entry, opened.model
names = list(entry.class_labels) if len(entry.class_names) == entry.num_classes else [
    str(k) for k in range(entry.num_classes)]
# On a projector the two grids sit side by side, so the styles (the lesson's picture) are on the first screen.
samples_place, styles_place = st.columns(2, gap="large") if present.is_on() else (st.container(), st.container())
with samples_place:
    temperature, seed = draw_samples(entry, model, names)
with styles_place, st.container(key="cond_styles"):
    draw_style_swap(entry, model, names, temperature, seed)
if opened.data is not None:
    draw_restyle(entry, model, opened.data, names)
