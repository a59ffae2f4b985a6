"""Latent map: every test picture placed by its code (PCA or t-SNE), the picture behind a clicked dot,
the decoded manifold of a 2-D latent space, and where the codes sit against the prior N(0, I)."""

import functools

import numpy as np
import streamlit as st
import torch

from ui import live, url_state

from ui.parts import latent_map as map_view
from ui.i18n import t
from ui.images import png_bytes, to_pil
from ui.names import dim_name, factor_name
from ui.page import open_page
from ui.pickers import pick_class
from ui.state import keep_valid
from vae.explore.latent import (Encoded, decode_path, dimension_order, fraction_within, kl_per_dimension,
                        posterior_samples, prior_fraction_within)

METHODS = {"pca": "map_method_pca", "tsne": "map_method_tsne"}
HISTOGRAM_DIMS = 6
PAD_POINTS = 3000  # test codes drawn as dots on the live pad
PAD_PIXELS = 480  # about the live pad's width in CSS pixels
PAD_STATE = "map_pad_rev"  # (revision, origin) of the pad's kept point: see ui.live.bump


def class_name(entry, label) -> str:
    return entry.class_labels[int(label)] if label is not None and int(label) < len(entry.class_names) else "–"


def controls(entry, codes: map_view.Codes) -> tuple[str, int, str | None]:
    """Projection method, number of points and colouring, in one row."""
    method_col, points_col, colour_col = st.columns([1, 2, 1], gap="large")
    method = "pca"
    if codes.mu.shape[1] > 2:
        # The default lives in session state, not in the widget: a link's method is put there too, and a
        # widget given both a default and a session-state value makes Streamlit warn.
        st.session_state.setdefault("map_method", "pca")
        url_state.restore("method", "map_method", url_state.choice({m: m for m in METHODS}))
        with method_col:
            method = st.segmented_control(t("map_method"), list(METHODS), format_func=lambda m: t(METHODS[m]),
                                          key="map_method", required=True, persist_state="session",
                                          help=t("map_method_help")) or "pca"
    choices = map_view.point_choices(len(codes.mu))
    if len(choices) > 1:
        keep_valid("map_points", choices, map_view.default_points(choices))
        with points_col:
            n = st.select_slider(t("map_points"), choices, key="map_points", format_func=lambda n: f"{n:,}",
                                 help=t("map_points_help"), persist_state="session")
    else:
        n = choices[-1]
    colours = map_view.colour_options(codes, entry.factor_names)
    colour = None
    if len(colours) > 1:
        keep_valid("map_colour", colours, colours[0])
        with colour_col:
            colour = st.selectbox(t("map_colour"), colours, key="map_colour", persist_state="session",
                                  format_func=lambda c: t("class") if c == "class" else factor_name(c))
    elif colours:
        colour = colours[0]
    url_state.keep("method", method if codes.mu.shape[1] > 2 else None, default="pca")
    return method, int(n), colour


def map_section(entry, model, data, codes: map_view.Codes) -> None:
    method, n, colour = controls(entry, codes)
    if codes.mu.shape[1] <= 2:
        method, axis = "pca", "z"
        st.caption(t("map_direct_2d"))
    else:
        axis = t("map_axis_pca") if method == "pca" else t("map_axis_tsne")
    message = (t("map_computing_tsne", n=f"{n:,}", seconds=map_view.tsne_seconds(n)) if method == "tsne"
               else t("map_computing_pca", n=f"{n:,}"))
    with st.spinner(message, show_time=True):
        xy = map_view.projection(entry, codes.mu, method, n)
    index = np.arange(n)
    factor = None
    if colour not in (None, "class"):
        factor = codes.factors[:n, list(entry.factor_names).index(colour)]
    linked = url_state.take("pic", url_state.integer(0, len(codes.mu) - 1))
    if linked is not None:
        st.session_state["map_picked"] = (entry.path, linked)
    picked = st.session_state.get("map_picked")
    picked = picked[1] if picked and picked[0] == entry.path and picked[1] < len(codes.mu) else None
    url_state.keep("pic", picked)

    left, right = st.columns([2, 1], gap="large")
    with left:
        text = {"image": t("map_test_image"), "class": t("class"), "picked": t("map_picked"), "legend": t("class")}
        figure = map_view.map_figure(xy, index, labels=None if codes.labels is None else codes.labels[:n],
                                     class_names=entry.class_labels, factor=factor, factor_name=factor_name(colour) if colour else "",
                                     axes=(dim_name(0), dim_name(1)) if axis == "z" else (f"{axis} 1", f"{axis} 2"),
                                     text=text, picked=picked)
        event = st.plotly_chart(figure, key="map_chart", on_select="rerun", selection_mode="points",
                                width="stretch", alt=t("map_chart_alt"))
        clicked = map_view.selected_test_index(event)
        if clicked is not None and clicked != picked:
            st.session_state["map_picked"] = (entry.path, clicked)
            st.rerun()  # redraw the map with the ring on the new point
    with right:
        if picked is None:
            st.info(t("map_click_hint"))
        else:
            details(entry, model, data, codes, picked, xy[picked] if picked < n else None, axis)


def details(entry, model, data, codes: map_view.Codes, index: int, position, axis: str) -> None:
    """The picked test picture, what the model draws back from its code, and where that code is."""
    st.subheader(t("map_picked_title", index=index))
    x = data.images[index:index + 1]
    y = data.labels[index:index + 1] if entry.num_classes else None
    with torch.no_grad():
        recon = model.reconstruct(x.to(model.device), None if y is None else y.to(model.device)).float().cpu()
    original, redrawn = st.columns(2)
    original.image(to_pil(x[0], 256), caption=t("original"), width="stretch", output_format="PNG")
    redrawn.image(to_pil(recon[0], 256), caption=t("reconstruction"), width="stretch", output_format="PNG")
    facts = []
    if codes.labels is not None:
        facts.append(f"**{t('class')}**: {class_name(entry, codes.labels[index])}")
    if codes.factors is not None:  # the ground-truth factors, except one that is just the class again
        shown = set(map_view.colour_options(codes, entry.factor_names))
        facts += [f"**{factor_name(name)}**: {int(v)}" for name, v in zip(entry.factor_names, codes.factors[index]) if name in shown]
    if position is not None:
        facts.append(t("map_position", axis=axis, x=f"{position[0]:.2f}", y=f"{position[1]:.2f}"))
    st.markdown("  \n".join(facts))
    shown = min(8, codes.mu.shape[1])
    key = entry.kind.text_key("map_code_values")
    rows = "\n".join(f"| {dim_name(d)} | {codes.mu[index, d]:+.2f} |" for d in range(shown))
    header = f"| {t('map_code_number')} | {t('map_code_value')} |\n|---|---:|\n"
    st.markdown(t(key, shown=shown, total=codes.mu.shape[1]) + "\n\n" + header + rows)


def manifold_section(entry, model, codes: map_view.Codes) -> None:
    """A 2-D latent plane decoded on a grid, with the test codes where they land."""
    st.header(t("map_manifold_title"))
    st.markdown(t("map_manifold_intro"))
    steps_col, span_col, points_col, class_col = st.columns(4, gap="large")
    steps = steps_col.slider(t("map_manifold_steps"), 8, 30, 15, key="map_manifold_steps")
    span = span_col.slider(t("map_manifold_span"), 1.0, 4.0, 3.0, 0.5, key="map_manifold_span",
                           help=t("map_manifold_span_help"))
    show_points = points_col.toggle(t("map_manifold_points"), value=True, key="map_manifold_points")
    y = None
    if entry.num_classes:
        names = [class_name(entry, k) for k in range(entry.num_classes)]
        y = pick_class("map_manifold_class", names, t("map_manifold_class"), place=class_col)
    sheet = map_view.manifold_sheet(entry, model, steps, span, y, PAD_PIXELS)
    labels = codes.labels
    points = codes.mu[:, :2]
    if y is not None and labels is not None:  # a conditional model: the codes of that class only
        points, labels = points[labels == y], labels[labels == y]
    decoder = live.live_model(entry)
    if decoder is None:
        grid_place = st.container()
    else:
        pad_tab, grid_place = st.tabs([t("map_pad_tab"), t("map_grid_tab")])
        with pad_tab:
            manifold_pad(entry, model, decoder, sheet, span, points if show_points else None, labels, y)
    with grid_place:
        figure = map_view.manifold_figure(sheet, span, points if show_points else None, labels,
                                          entry.class_labels, {"codes": t("map_codes"), "legend": t("class")})
        st.plotly_chart(figure, key="map_manifold_chart", width="stretch", alt=t("map_manifold_alt"))
        st.download_button(t("download_png"), sheet.png, file_name=f"{entry.name}-manifold.png",
                           mime="image/png", key="map_manifold_png", on_click="ignore")


def _keep_pad_point(value, path: str) -> None:
    z = live.released_code(value, 2)
    if z is not None:
        st.session_state["map_pad_point"] = (path, z)
        live.bump(PAD_STATE, "pad")


def manifold_pad(entry, model, decoder, sheet: map_view.Sheet, span: float, points, labels, y) -> None:
    """The latent plane under the pointer, decoded in the browser, over the decoded manifold and the codes."""
    st.caption(t("map_pad_help"))
    steps = sheet.steps
    reach = span + (span / (steps - 1) if steps > 1 else span)  # the outer cells' edges, not their centres
    kept = st.session_state.get("map_pad_point")
    z = kept[1] if kept and kept[0] == entry.path else [0.0, 0.0]
    z = [min(max(v, -reach), reach) for v in z]
    dots = None
    if points is not None:
        dots = live.points_url(f"map.{decoder.model_id}.{y}", points[:PAD_POINTS],  # a media file, not inline
                               None if labels is None else labels[:PAD_POINTS])
    live.load(decoder, "map_live")
    live.pad(decoder, f"map_live_pad::{entry.path}", z=z, y=y, dims=(0, 1), extent=[[-reach, reach], [-reach, reach]],
             axes=[dim_name(0), dim_name(1)], state_key=PAD_STATE, points=dots, palette=map_view.palette(max(len(entry.class_names), 1)),
             background=sheet.pad_uri,
             text={"pad": t("map_pad_tab"), "hint": t("map_pad_hint"), "caption": t("map_pad_caption")},
             on_release=functools.partial(_keep_pad_point, path=entry.path))
    if kept and kept[0] == entry.path:
        with torch.no_grad():
            picture = decode_path(model, torch.tensor([z]), y)[0]
        st.download_button(t("map_pad_download", x=f"{z[0]:+.2f}", y=f"{z[1]:+.2f}"),
                           lambda: png_bytes(to_pil(picture, 256)),  # made only when clicked
                           file_name=f"{entry.name}-z{z[0]:+.2f}{z[1]:+.2f}.png", mime="image/png",
                           key="map_pad_png", on_click="ignore", icon=":material/download:")


def prior_section(entry, codes: map_view.Codes) -> None:
    """Per-dimension histograms against N(0, 1), and two dimensions against the prior's circles."""
    st.header(t("map_prior_title"))
    if not entry.kind.posterior:
        st.info(t("map_prior_vq"))
        return
    st.markdown(t("map_prior_intro"))
    mu, logvar = torch.from_numpy(codes.mu), torch.from_numpy(codes.logvar)
    kl = kl_per_dimension(Encoded(mu, logvar, None, None))
    order, collapsed = dimension_order(kl)
    what = st.radio(t("map_prior_values"), ["mu", "sample"], horizontal=True, key="map_prior_values",
                    format_func=lambda v: t(f"map_prior_values_{v}"), help=t("map_prior_values_help"))
    values = (mu if what == "mu" else posterior_samples(mu, logvar)).numpy()
    dims = order[:HISTOGRAM_DIMS]
    text = {"codes": t("map_codes"), "prior": t("map_prior_curve")}
    st.caption(t("map_prior_hist_caption", shown=len(dims), total=len(order)))
    st.plotly_chart(map_view.prior_histograms(values, dims, kl.numpy(), text), key="map_prior_hist", width="stretch")
    if any(collapsed):
        st.caption(t("map_prior_collapsed", count=sum(collapsed), total=len(order)))
    if len(order) < 2:
        return
    st.subheader(t("map_prior_pair_title"))
    pick_a, pick_b, _ = st.columns([1, 1, 2])
    # Another model starts from its own two most active numbers.
    keep_valid("map_prior_dim_a", order, order[0], shown=entry.path)
    keep_valid("map_prior_dim_b", order, order[1], shown=entry.path)
    dim_a = pick_a.selectbox(t("map_prior_dim_a"), order, key="map_prior_dim_a", format_func=dim_name)
    dim_b = pick_b.selectbox(t("map_prior_dim_b"), order, key="map_prior_dim_b", format_func=dim_name)
    pair = values[:, [dim_a, dim_b]]
    chart, numbers = st.columns([2, 1], gap="large")
    chart.plotly_chart(map_view.prior_scatter(pair, (dim_a, dim_b), codes.labels, entry.class_labels, text),
                       key="map_prior_scatter", width="stretch")
    inside = fraction_within(torch.from_numpy(pair), list(map_view.PRIOR_RADII))
    expected = prior_fraction_within(list(map_view.PRIOR_RADII), 2)
    with numbers:
        for r, share, prior in zip(map_view.PRIOR_RADII, inside.tolist(), expected.tolist()):
            st.metric(t("map_prior_inside", r=f"{r:g}"), f"{share:.0%}", t("map_prior_expected", share=f"{prior:.0%}"),
                      delta_color="off", delta_arrow="off", border=True)
        st.caption(t("map_prior_pair_help"))


opened = open_page("map_title", "map_intro")
entry, model, data = opened.entry, opened.model, opened.data
with st.spinner(t("map_encoding", n=f"{min(len(data), map_view.MAX_POINTS):,}")):
    codes = map_view.encoded_test_set(entry, model, data)
if not entry.kind.posterior:
    st.caption(t("map_vq_note", dims=codes.mu.shape[1]))
map_section(entry, model, data, codes)
if entry.kind.posterior and entry.latent_dim == 2:
    manifold_section(entry, model, codes)
prior_section(entry, codes)
