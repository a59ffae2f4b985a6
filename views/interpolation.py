"""Interpolation: walk in latent space between two test pictures (straight and spherical paths),
against a plain pixel cross-fade, and latent arithmetic that moves a picture from one class to another."""

import math

import streamlit as st
import torch

from ui.parts import interpolation as view
from ui import live, url_state
from ui.teaching import present
from ui.i18n import t
from ui.images import png_bytes, to_pil
from ui.parts.latent_map import encoded_test_set
from ui.page import open_page
from ui.pickers import class_names, pick_class, pick_picture, show_picture
from ui.state import keep_valid
from vae.explore.latent import class_means, decode_every_class, decode_path, pixel_blend


T_KEY = "interp_live_t"  # where the user last let go of t
T_STATE = "interp_live_rev"  # (revision, origin) of t: see ui.live.bump


def class_name(entry, k: int) -> str:
    return entry.class_labels[k] if k < len(entry.class_names) else str(k)


def pick_image(entry, data, side: str, column, default_class: int) -> int | None:
    """A class and which picture of it (or just an index when unlabelled) -> a test index, with a thumbnail."""
    with column:
        st.markdown(f"**{t('interp_' + side)}**")
        return pick_picture(f"interp_{side}", entry, data, default_class=default_class, thumbnail=160,
                            random_button=False, stacked=True, param=side)


def set_random_pair(labels, n: int) -> None:
    """Button callback: draw a pair from the seed, show it in the pickers, and move the seed on."""
    seed = int(st.session_state.get("interp_seed", 0))
    for side, index in zip("ab", view.random_pair(labels, n, seed)):
        show_picture(f"interp_{side}", labels, index)
    st.session_state["interp_seed"] = seed + 1


def show_strip(entry, images: torch.Tensor, title: str, caption: str, name: str) -> None:
    """One strip, large, with what it is and PNG / GIF downloads."""
    st.markdown(f"#### {title}")
    png = png_bytes(view.strip_picture(images))  # encoded once, for the picture and its download
    st.image(png, caption=caption, width="stretch", output_format="PNG")
    buttons = st.container(horizontal=True)
    buttons.download_button(t("download_png"), png, file_name=f"{entry.name}-{name}.png",
                            mime="image/png", key=f"interp_png_{name}", on_click="ignore", icon=":material/image:")
    # The GIF (a third of the page's CPU) is made only when it is asked for.
    buttons.download_button(t("download_gif"), lambda: view.strip_gif(images), file_name=f"{entry.name}-{name}.gif",
                            mime="image/gif", key=f"interp_gif_{name}", on_click="ignore", icon=":material/animation:")


def endpoints(entry, data) -> tuple[int | None, int | None]:
    st.header(t("interp_pair_title"))
    button, seed, _ = st.columns([1, 1, 4], vertical_alignment="bottom")
    seed.number_input(t("seed"), 0, 10**6, key="interp_seed")
    button.button(t("interp_random_pair"), key="interp_random", on_click=set_random_pair,
                  args=(None if data.labels is None else data.labels.numpy(), len(data)), icon=":material/casino:")
    left, right = st.columns(2, gap="large")
    first_class = 0
    second_class = 1 if entry.class_names and len(entry.class_names) > 1 else 0
    return pick_image(entry, data, "a", left, first_class), pick_image(entry, data, "b", right, second_class)


def _keep_t(value) -> None:
    t_value = value.get("t") if isinstance(value, dict) else None
    if isinstance(t_value, (int, float)) and 0 <= t_value <= 1:
        st.session_state[T_KEY] = float(t_value)
        live.bump(T_STATE, "path")


def live_path(entry, decoder, data, a: int, b: int, z: torch.Tensor, y: int | None) -> None:
    """Both paths at a t the user drags, decoded in the browser."""
    st.markdown(f"#### {t('interp_live_title')}")
    st.caption(t("interp_live_help"))
    pair = (entry.path, a, b)
    if st.session_state.get("interp_live_pair") != pair:  # a new pair starts in the middle again
        st.session_state["interp_live_pair"] = pair
        st.session_state[T_KEY] = 0.5
        live.bump(T_STATE, "server")
    if url_state.restore("t", T_KEY, url_state.number(0.0, 1.0)):  # a link's t, after the pair's reset
        live.bump(T_STATE, "server")
    live.load(decoder, "interp_live")
    live.path(decoder, f"interp_live_path::{entry.path}", z0=z[0].tolist(), z1=z[1].tolist(), y=y,
              t=st.session_state[T_KEY], ends=[live.data_uri(to_pil(data.images[i], 160)) for i in (a, b)],
              state_key=T_STATE, on_release=_keep_t,
              text={"a": f"#{a}", "b": f"#{b}", "lerp": t("interp_live_lerp"), "slerp": t("interp_live_slerp"),
                    "t": t("interp_live_t")})
    url_state.keep("t", round(float(st.session_state[T_KEY]), 2), default=0.5)


def interpolation_strips(entry, model, data, a: int, b: int, steps: int, codes) -> None:
    st.header(t("interp_strips_title"))
    y = None
    if entry.num_classes:
        y = pick_class("interp_decode_class", class_names(entry, data), t("interp_decode_class"),
                       place=st.columns([1, 2])[0], default=int(data.labels[a]), help=t("interp_decode_class_help"))
    labels = data.labels[[a, b]] if entry.num_classes else None
    z = view.encode_means(model, data.images[[a, b]], labels)  # (2, D)
    ends = f"#{a} → #{b}"
    decoder = live.live_model(entry)
    if decoder is not None:
        live_path(entry, decoder, data, a, b, z, y)
    lerp_caption = (t("interp_lerp_caption_cvae", ends=ends, name=class_name(entry, y)) if y is not None
                    else t("interp_lerp_caption", ends=ends))
    show_strip(entry, view.latent_strip(model, z[0], z[1], steps, "lerp", y), t("interp_lerp_title"),
               lerp_caption, "lerp")
    if entry.kind.posterior:
        show_strip(entry, view.latent_strip(model, z[0], z[1], steps, "slerp", y), t("interp_slerp_title"),
                   t("interp_slerp_caption", ends=ends), "slerp")
    else:
        st.info(t("interp_vq_note"))
        show_strip(entry, view.latent_strip(model, z[0], z[1], steps, "lerp", snap=True), t("interp_snap_title"),
                   t("interp_snap_caption", ends=ends), "snapped")
    show_strip(entry, pixel_blend(data.images[a], data.images[b], steps), t("interp_blend_title"),
               t("interp_blend_caption", ends=ends), "pixels")
    if entry.kind.posterior:
        with st.expander(t("interp_norm_title")):
            st.markdown(t("interp_norm_intro"))
            typical = float(torch.from_numpy(codes.mu).norm(dim=1).median())
            paths = {t("interp_norm_lerp"): view.latent_path(z[0], z[1], steps, "lerp"),
                     t("interp_norm_slerp"): view.latent_path(z[0], z[1], steps, "slerp")}
            references = {t("interp_norm_prior", value=f"{math.sqrt(z.shape[1]):.1f}"): math.sqrt(z.shape[1]),
                          t("interp_norm_codes", value=f"{typical:.1f}"): typical}
            t_mark = st.session_state.get(T_KEY) if decoder is not None else None
            st.plotly_chart(view.norm_figure(paths, references, t_mark, t("interp_live_t_mark")),
                            key="interp_norm_chart", width="stretch")


def arithmetic(entry, model, data, steps: int, codes) -> None:
    st.header(t("interp_arith_title"))
    if data.labels is None:
        st.info(t("interp_arith_no_labels"))
        return
    classes = sorted(set(data.labels.tolist()))
    if len(classes) < 2:
        st.info(t("interp_arith_no_labels"))
        return
    st.markdown(t("interp_arith_intro") if not entry.num_classes else t("interp_arith_cvae_intro"))
    source_col, target_col = st.columns([2, 1], gap="large")
    with source_col:
        index = pick_picture("interp_arith", entry, data, default_class=7 if 7 in classes else classes[-1],
                             class_label=t("interp_arith_source"), random_button=False)
    if index is None:
        return
    source = int(data.labels[index])
    x = data.images[index:index + 1]
    if entry.num_classes:  # the class is an input: keep the code, change the label
        z = view.encode_means(model, x, data.labels[index:index + 1])
        images = decode_every_class(model, z)[0]
        show_strip(entry, images, t("interp_arith_cvae_title"), t("interp_arith_cvae_caption", index=index), "classes")
        return
    targets = [c for c in classes if c != source]
    keep_valid("interp_arith_target", targets, 1 if 1 in targets else targets[0], shown=class_names(entry, data))
    target = target_col.selectbox(t("interp_arith_target"), targets, key="interp_arith_target",
                                  format_func=lambda c: class_name(entry, c))
    means = class_means(torch.from_numpy(codes.mu), torch.from_numpy(codes.labels), max(classes) + 1)
    z = view.encode_means(model, x)[0]
    references = decode_path(model, means[[source, target]])
    st.image([to_pil(x[0], 160), to_pil(references[0], 160), to_pil(references[1], 160)], width=160,
             caption=[t("original"), t("interp_arith_mean", name=class_name(entry, source)),
                      t("interp_arith_mean", name=class_name(entry, target))], output_format="PNG")
    strip = view.arithmetic_strip(model, z, means[source], means[target], steps)
    show_strip(entry, strip, t("interp_arith_strip_title", source=class_name(entry, source),
                                target=class_name(entry, target)),
               t("interp_arith_caption", index=index, source=class_name(entry, source),
                 target=class_name(entry, target)), "arithmetic")
    if not entry.kind.posterior:
        st.caption(t("interp_arith_vq_note"))


opened = open_page("interp_title", "interp_intro")
entry, model, data = opened.entry, opened.model, opened.data
with st.spinner(t("interp_encoding")):
    codes = encoded_test_set(entry, model, data)
more = present.advanced()  # on a projector the link's pair is folded away: the live path comes first
with more:
    a, b = endpoints(entry, data)
if a is None or b is None:  # a class without test pictures: the picker said so
    st.stop()
with present.advanced(more):
    steps = st.slider(t("interp_steps"), 3, 20, 10, key="interp_steps", persist_state="session",
                      help=t("interp_steps_help"))
interpolation_strips(entry, model, data, a, b, steps, codes)
arithmetic(entry, model, data, steps, codes)
