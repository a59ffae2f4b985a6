"""The live decoder and its views in a bare Chromium page, without Streamlit: what the parity test
(tests/test_browser_live.py) and `python -m benchmarks.live_decode` drive through Playwright.

It loads the very files the app serves (ui/live_assets/): decoder.js to decode codes and read the
pixels back from a canvas, the views mounted the way Streamlit mounts it (a shadow root, the data
as Python sends it) for a scripted drag. Nothing is fetched: every byte comes from this process.
"""

from __future__ import annotations

import base64
import statistics

import numpy as np

from ui.live import ASSETS, VIEW_FILES
from vae.models.decoder_export import DecoderExport, pack


# A scripted drag: `input` events on a range input every 4 ms (a 250 Hz mouse) sweeping its range back and
# forth for `seconds`, then the frames the page drew meanwhile (the registry records each one). fps counts
# frames between the first and the last, so a page that draws on every display frame scores the display's rate.
SCRIPTED_DRAG = """async ([input, seconds]) => {
  const live = globalThis.__vaeLive;
  const [min, max] = [Number(input.min), Number(input.max)];
  input.dispatchEvent(new PointerEvent("pointerdown", {bubbles: true}));
  const start = performance.now();
  let events = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - start) / 1000;
      if (elapsed > seconds) { clearInterval(timer); resolve(); return; }
      const phase = elapsed % 2, share = phase < 1 ? phase : 2 - phase;  // 1 s across, 1 s back
      input.value = String(min + share * (max - min));
      input.dispatchEvent(new Event("input", {bubbles: true}));
      events++;
    }, 4);
  });
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const frames = live.frames.filter((f) => f[0] >= start);
  const span = frames.length > 1 ? (frames[frames.length - 1][0] - frames[0][0]) / 1000 : NaN;
  return {fps: (frames.length - 1) / span, frames: frames.length, events, ms: frames.map((f) => f[1])};
}"""

# Animation frames per second of an idle page: the ceiling any drawing can reach.
DISPLAY_RATE = """() => new Promise((resolve) => {
  let n = 0; const start = performance.now();
  const tick = () => { n++; if (performance.now() - start < 1000) requestAnimationFrame(tick);
                       else resolve(n / ((performance.now() - start) / 1000)); };
  requestAnimationFrame(tick);
})"""

_DECODE_ALL = """([b64, codes, classes]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const { header, weights } = vaeParsePacked(bytes);
  const decoder = new VaeDecoder(header, weights);
  const [c, h, w] = decoder.shape, size = c * h * w;
  const floats = new Float32Array(codes.length * size), pixels = new Uint8Array(codes.length * h * w * 4);
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const image = ctx.createImageData(w, h);
  codes.forEach((z, i) => {
    floats.set(decoder.decode(z, classes ? classes[i] : null), i * size);
    decoder.paint(image);
    ctx.putImageData(image, 0, 0);  // what the views do; read back from the canvas, not the ImageData
    pixels.set(ctx.getImageData(0, 0, w, h).data, i * h * w * 4);
  });
  const b64of = (array) => { let s = ""; const u = new Uint8Array(array.buffer);
    for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode(...u.subarray(i, i + 8192)); return btoa(s); };
  return { floats: b64of(floats), pixels: b64of(pixels) };
}"""

_TIME_DECODES = """([b64, codes, classes, batch]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const { header, weights } = vaeParsePacked(bytes);
  const decoder = new VaeDecoder(header, weights);
  const [, h, w] = decoder.shape;
  const canvas = document.createElement("canvas");
  canvas.width = w; canvas.height = h;
  const ctx = canvas.getContext("2d"), image = ctx.createImageData(w, h);
  const times = [];
  for (let first = 0; first + batch <= codes.length; first += batch) {
    const start = performance.now();  // coarse (0.1 ms) in a page: time `batch` decodes at once
    for (let i = first; i < first + batch; i++) {
      decoder.decode(codes[i], classes ? classes[i] : null);
      decoder.paint(image);
      ctx.putImageData(image, 0, 0);
    }
    times.push((performance.now() - start) / batch);
  }
  return times;
}"""

_MOUNT_VIEW = """async ([viewSource, css, b64, data]) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const { header, weights } = vaeParsePacked(bytes);
  globalThis.__vaeLive.put(header.id, new VaeDecoder(header, weights));
  const host = document.createElement("div");
  host.style.width = "1000px";
  document.body.appendChild(host);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("style");
  style.textContent = css;
  root.appendChild(style);
  const url = URL.createObjectURL(new Blob([viewSource], { type: "text/javascript" }));
  const view = (await import(url)).default;
  globalThis.__sent = [];
  view({ data, parentElement: root, setStateValue: (name, value) => globalThis.__sent.push([name, value]) });
  await globalThis.__vaeLive.get(header.id);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
}"""


def _source(*names: str) -> str:
    return "\n".join((ASSETS / name).read_text(encoding="utf-8") for name in names)


def _b64(export: DecoderExport) -> str:
    return base64.b64encode(pack(export)).decode()


class LivePage:
    """A Playwright page with the registry and the decoder loaded (globals vaeParsePacked, VaeDecoder)."""

    def __init__(self, page):
        self.page = page
        page.set_content("<!doctype html><html><body style='margin:0'></body></html>")
        page.add_script_tag(content=_source("registry.js", "decoder.js")
                            + "\nglobalThis.VaeDecoder = VaeDecoder; globalThis.vaeParsePacked = vaeParsePacked;")

    def decode(self, export: DecoderExport, z: np.ndarray, y: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Codes (B, D) [+ classes (B,)] decoded in the page -> (pictures (B, C, H, W) float32 in [0, 1],
        the canvas's pixels (B, H, W) or (B, H, W, 3) uint8)."""
        result = self.page.evaluate(_DECODE_ALL, [_b64(export), np.asarray(z, float).tolist(),
                                                  None if y is None else np.asarray(y).tolist()])
        c, h, w = export.output_shape
        floats = np.frombuffer(base64.b64decode(result["floats"]), np.float32).reshape(len(z), c, h, w)
        rgba = np.frombuffer(base64.b64decode(result["pixels"]), np.uint8).reshape(len(z), h, w, 4)
        return floats, (rgba[..., 0] if c == 1 else rgba[..., :3])

    def decode_ms(self, export: DecoderExport, z: np.ndarray, y: np.ndarray | None = None,
                  batch: int = 10) -> list[float]:
        """Milliseconds per decode + paint + putImageData, averaged over each run of `batch` codes in a row
        (the page's clock ticks in 0.1 ms)."""
        return self.page.evaluate(_TIME_DECODES, [_b64(export), np.asarray(z, float).tolist(),
                                                  None if y is None else np.asarray(y).tolist(), batch])

    def mount_sliders(self, export: DecoderExport) -> None:
        """The sliders view over every latent number at 0 (±3), as the traversal page mounts them."""
        dims = [{"d": d, "label": f"z{d}", "help": ""} for d in range(export.latent_dim)]
        data = {"mode": "sliders", "name": "sliders", "model": export.model_id, "rev": 1, "origin": "server",
                "z": [0.0] * export.latent_dim, "base": [0.0] * export.latent_dim, "y": 0 if export.num_classes else None,
                "dims": dims, "span": 3.0, "step": 0.05, "columns": 2, "start": None,
                "text": {"caption": "live", "reset": "reset", "start": "start"}}
        self.page.evaluate(_MOUNT_VIEW, [_source(*VIEW_FILES), _source("live.css"), _b64(export), data])

    def drag(self, seconds: float = 3.0) -> dict:
        """SCRIPTED_DRAG on the first slider of the mounted view."""
        handle = self.page.locator("input.vl-range").first.element_handle()
        return self.page.evaluate(SCRIPTED_DRAG, [handle, seconds])

    def display_rate(self) -> float:
        return self.page.evaluate(DISPLAY_RATE)


def summary(ms: list[float]) -> tuple[float, float]:
    """(median, p95) of a list of milliseconds."""
    return statistics.median(ms), float(np.percentile(ms, 95))
