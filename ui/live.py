"""Live decoding in the browser: Streamlit Components v2 that run a model's decoder in the page.

`live_model(entry)` exports the decoder once per checkpoint (vae.models.decoder_export); `load` hands its
weights to the page as a media URL that the page fetches once per session and model (the element itself
carries only the model id and the URL, so a fragment rerun that draws it again no longer rebuilds and
hashes the weights: issue 25);
`sliders`, `pad` and `path` draw views that decode on every pointer move and call back into
Python only on release. A model the browser cannot run gets None from live_model, and pages keep
their server-side widgets for it. `scrub` needs no decoder: it steps through pictures the server
decoded, for every model. The JavaScript and CSS are plain files in ui/live_assets/.

What every element carries is small (issue 25: a slider release rebuilt ~200 KB): Streamlit puts a component's
inline JavaScript and CSS into every element of every rerun, and serves JavaScript from files only for
installed packages, so each component's inline module is boot.js, which imports the real bundle (JavaScript
and its CSS) from a media file of the session; the pad's dots come the same way, one file per model.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import streamlit as st
from PIL import Image
from streamlit import runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ui.catalog import ModelEntry
from ui.images import png_bytes, png_data_uri
from ui.loaders import model_for
from vae.models.decoder_export import UnsupportedDecoder, export_within, pack

MEDIA_URLS = "live_media_urls"  # session key: "vae_live_{kind}.{name}" -> the media URL of a bundle, weights or dots
MAX_BYTES = 2_000_000  # weights per model (float32, or float16 when only those fit): what each browser downloads once
ASSETS = Path(__file__).with_name("live_assets")
WIDTH_TOLERANCE = 24  # pixels a column must change by before the probe reports it again
JAVASCRIPT = "application/javascript"  # a JavaScript MIME type (import() insists) whose extension is .js
POINTS_SCALE = 100  # the dots' file holds codes in hundredths (int16): two decimals, as the pad drew them before


def _source(*names: str) -> str:
    return "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in names)


# Each bundle is one ES module: these files in this order (no build step: plain concatenation).
WEIGHTS_FILES = ("registry.js", "decoder.js", "weights.js")
VIEW_FILES = ("registry.js", "view_base.js", "view_sliders.js", "view_pad.js", "view_path.js", "view_scrub.js",
              "view_probe.js", "view_mount.js")


def _uncommented(source: str) -> str:
    """JavaScript without its // comments (whole lines, or after two spaces: these files write them so)."""
    return re.sub(r"^\s*//.*\n|  // .*", "", source, flags=re.M)


# Both components' inline module, in every element of every rerun: boot.js without its comments.
BOOT = _uncommented(_source("boot.js"))
BUNDLES = {  # what boot.js imports: the module (its default export draws) and its CSS as the export `css`
    "weights": _source(*WEIGHTS_FILES).encode(),
    "view": (_source(*VIEW_FILES) + f"\nexport const css = {json.dumps(_source('live.css'))};\n").encode(),
}
_weights = st.components.v2.component("vae_live_weights", js=BOOT)
_view = st.components.v2.component("vae_live_view", js=BOOT)
_probe = st.components.v2.component("vae_width_probe", js=_uncommented(_source("view_probe.js", "probe_mount.js")))


def _media_url(kind: str, name: str, make: Callable[[], bytes], mimetype: str) -> str:
    """make() as a media file of this session (Streamlit's media store, as st.image's pictures: one copy per
    distinct content whatever the number of sessions, kept while a session references it), its URL.

    A full run drops the session's media references and re-adds what it draws; a fragment run keeps them.
    So the file is registered on full runs (hashing its bytes) and a fragment rerun, e.g. every slider
    release, reuses the URL without calling make."""
    urls, coordinates = st.session_state.setdefault(MEDIA_URLS, {}), f"vae_live_{kind}.{name}"
    ctx = get_script_run_ctx()
    if coordinates not in urls or not (ctx and ctx.fragment_ids_this_run):
        urls[coordinates] = runtime.get_instance().media_file_mgr.add(make(), mimetype, coordinates)
    return urls[coordinates]


def bundle_url(name: str) -> str:
    """The URL of BUNDLES[name], as boot.js expects it in the element's data under "module"."""
    return _media_url("bundle", name, lambda: BUNDLES[name], JAVASCRIPT)


@dataclass(frozen=True)
class LiveModel:
    """A decoder the browser can run."""

    model_id: str  # digest of the exported decoder (the registry's key in the page)
    packed: bytes  # vae.models.decoder_export.pack: header + weights
    nbytes: int  # the weights alone
    dtype: str  # the weights' dtype on the wire: "float32", or "float16" when float32 would exceed MAX_BYTES
    latent_dim: int
    num_classes: int


@st.cache_resource(show_spinner=False, max_entries=16)
def _live_model(entry: ModelEntry, max_bytes: int) -> LiveModel | None:
    try:
        export = export_within(model_for(entry), max_bytes)
    except UnsupportedDecoder:
        return None
    if export is None:
        return None
    return LiveModel(export.model_id, pack(export), export.nbytes, export.dtype, export.latent_dim,
                     export.num_classes)


def live_model(entry: ModelEntry) -> LiveModel | None:
    """The model's decoder for the browser, or None: a VQ-VAE (its live code would need the codebook),
    a layer the browser does not run, or weights over MAX_BYTES even in float16 (float32 when they fit:
    exact; float16 otherwise: pictures within vae.models.decoder_export.HALF_ATOL)."""
    if not entry.kind.live_decoding:
        return None
    return _live_model(entry, MAX_BYTES)


def weights_url(live: LiveModel) -> str:
    """The packed decoder as a media file of this session (~1-2 MB, so a fragment rerun must not re-hash it)."""
    return _media_url("weights", live.model_id, lambda: live.packed, "application/octet-stream")


def load(live: LiveModel, key: str) -> None:
    """Let the page fetch the decoder's weights: an element of a few bytes naming the model and its URL (its
    data never changes for a model, so it mounts once; the page fetches each model once per session)."""
    _weights(key=f"{key}_weights_{live.model_id}",
             data={"module": bundle_url("weights"), "id": live.model_id, "url": weights_url(live)}, height="content")


def pack_points(codes, labels=None) -> bytes:
    """Codes (N, D) [+ classes (N,)] -> the pad's dots file (view_pad.js readPoints), little-endian: b"VAEP",
    uint32 N, D, labelled (0/1), POINTS_SCALE; int16 codes × POINTS_SCALE (N, D), rounded and clamped to
    int16's range (far off any pad); uint16 classes (N,) when labelled."""
    codes = np.asarray(codes, dtype=np.float64)
    n, d = codes.shape
    header = b"VAEP" + np.array([n, d, labels is not None, POINTS_SCALE], "<u4").tobytes()
    body = np.clip(np.round(codes * POINTS_SCALE), -32768, 32767).astype("<i2").tobytes()
    if labels is not None:
        body += np.asarray(labels).astype("<u2").tobytes()
    return header + body


def points_url(name: str, codes, labels=None) -> dict:
    """The dots (codes (N, D), classes (N,) or None) as one media file per `name` (a model: every dimension's
    codes, so changing the pad's axes sends nothing big): the pad's `points` argument. The page fetches each
    file once; a fragment rerun neither packs nor hashes it again."""
    return {"url": _media_url("points", name, lambda: pack_points(codes, labels), "application/octet-stream")}


def data_uri(image: Image.Image) -> str:
    return png_data_uri(png_bytes(image))


# --- Who changed the code last ------------------------------------------------------------------

def bump(state_key: str, origin: str) -> None:
    """Record that `origin` (a view's name, or "server") changed the code held under state_key."""
    rev, _ = st.session_state.get(state_key, (0, "server"))
    st.session_state[state_key] = (rev + 1, origin)


def revision(state_key: str) -> tuple[int, str]:
    return st.session_state.get(state_key, (0, "server"))


def released_code(value, length: int) -> list[float] | None:
    """A view's release {"z": [...], "seq": n} -> the code, or None when it is not `length` finite numbers
    (a value from an older view of another model, say)."""
    z = value.get("z") if isinstance(value, dict) else None
    if not isinstance(z, list) or len(z) != length:
        return None
    try:
        z = [float(v) for v in z]
    except (TypeError, ValueError):
        return None
    return z if all(math.isfinite(v) for v in z) else None


def _on_release(key: str, field: str, handler: Callable) -> Callable[[], None]:
    def callback() -> None:
        state = st.session_state.get(key) or {}
        value = state.get(field) if isinstance(state, dict) else None
        if value is not None:
            handler(value)

    return callback


# --- Views ---------------------------------------------------------------------------------------

def _draw(key: str, data: dict, **callbacks):
    """One view element: its data and the URL of the bundle that draws it."""
    return _view(key=key, data={"module": bundle_url("view"), **data}, **callbacks)


def sliders(live: LiveModel, key: str, *, z, base, y, dims: list[dict], span: float, step: float,
            columns: int, state_key: str, text: dict, on_release: Callable, start: str | None = None) -> None:
    """One slider per latent number (dims: {"d", "label", "help"} in display order) beside the picture.

    z: the code to show; base: where the sliders are centred (±span) and reset to; start: an optional
    picture (data URI) of the start image; on_release(value) gets {"z": [...], "seq": n}."""
    rev, origin = revision(state_key)
    data = {"mode": "sliders", "name": "sliders", "model": live.model_id, "rev": rev, "origin": origin,
            "z": [float(v) for v in z], "base": [float(v) for v in base], "y": y, "dims": dims, "span": span,
            "step": step, "columns": columns, "text": text, "start": start}
    _draw(key, data, on_z_change=_on_release(key, "z", on_release))


def pad(live: LiveModel, key: str, *, z, y, dims: tuple[int, int], extent: list[list[float]], axes: list[str],
        state_key: str, text: dict, on_release: Callable, points: dict | None = None, palette: list[str] | None = None,
        background: str | None = None, circles: bool = True, name: str = "pad") -> None:
    """A square pad over latent numbers dims[0] (across) and dims[1] (up), covering extent [[x0, x1], [y0, y1]].

    z: the whole code (the other numbers stay as they are); points: dots to draw, either a file of every
    dimension's codes (points_url: the pad takes columns dims[0] and dims[1]) or inline {"x", "y", "c"} (the
    dots' values; c indexes palette, or None); background: a picture (data URI) stretched over the extent;
    on_release(value) as for sliders."""
    rev, origin = revision(state_key)
    data = {"mode": "pad", "name": name, "model": live.model_id, "rev": rev, "origin": origin,
            "z": [float(v) for v in z], "y": y, "dims": list(dims), "range": extent, "axes": axes, "text": text,
            "points": points, "palette": palette or [], "background": background, "circles": circles}
    _draw(key, data, on_z_change=_on_release(key, "z", on_release))


def path(live: LiveModel, key: str, *, z0, z1, y, t: float, ends: list[str], state_key: str, text: dict,
         on_release: Callable) -> None:
    """Both ends (data URIs) and the lerp and slerp pictures at t, with a t slider; on_release(value) gets
    {"t": t, "seq": n}."""
    rev, origin = revision(state_key)
    data = {"mode": "path", "name": "path", "model": live.model_id, "rev": rev, "origin": origin,
            "z0": [float(v) for v in z0], "z1": [float(v) for v in z1], "y": y, "t": float(t), "ends": ends,
            "text": text}
    _draw(key, data, on_t_change=_on_release(key, "t", on_release))


def scrub(key: str, *, frames: list[str], values: list[float], prefix: str, active: int, text: dict) -> None:
    """Pictures decoded in advance (data URIs, one per value) and a range input plus a play button that step
    through them in the page: no decoder, no rerun while scrubbing. prefix: the caption before the value
    ("z3 = "); text: {"play", "pause", "label"} (the range input's accessible name)."""
    data = {"mode": "scrub", "name": "scrub", "frames": frames, "values": [float(v) for v in values],
            "prefix": prefix, "active": int(active), "text": text}
    _draw(key, data)


def column_width(key: str) -> int | None:
    """The width in CSS pixels of the column this is drawn in, as the browser last reported it (None
    until it has, e.g. on the first run and under AppTest). A change reruns the script (or fragment)."""
    known = (st.session_state.get(key) or {}).get("width")
    result = _probe(key=key, data={"known": known, "tolerance": WIDTH_TOLERANCE}, on_width_change=lambda: None)
    width = result.get("width") if result else None
    return int(width) if isinstance(width, (int, float)) and width > 0 else None
