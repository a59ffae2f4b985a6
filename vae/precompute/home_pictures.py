"""The home page's two pictures (samples and reconstructions), computed when a pretrained run's assets are
built and shipped in its folder: RUN/home_samples.png, RUN/home_recons.png. The app's first page after a server
start shows them before PyTorch has finished importing (it takes seconds).

No PyTorch here (vae.precompute.pages computes the pictures). Each PNG carries, in a text chunk, the stamp of the
one stored format (vae.precompute.store): a file written for other weights or settings is stale and ignored. The
file is untrusted: anything malformed, oversized or not a whole PNG is ignored too, and the page draws the pictures
itself.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image, PngImagePlugin

from vae.precompute import store

SAMPLES_FILE, RECONS_FILE = "home_samples", "home_recons"  # RUN/<name>.png
META_KEY = "vae-explorer"  # the PNG text chunk holding the stamp's JSON
SEED = 0  # the samples the page opens on; "New samples" draws with later seeds
COLUMNS = 8  # pictures per row in both grids
RECON_COUNT = 16  # test pictures reconstructed: two rows of originals, each followed by its reconstructions
MIN_SIDE = 64  # each cell enlarged to at least this many pixels (vae.explore.grids.grid_pil)
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"  # the IEND chunk every whole PNG ends with
MAX_SIDE = 4096  # pixels: a shipped grid is a few hundred; a larger one is not ours


def sample_count(num_classes: int) -> int:
    """Samples drawn: 4 rows, or for a conditional model one row per class (up to 8)."""
    return COLUMNS * max(1, min(num_classes, 8)) if num_classes else 4 * COLUMNS


def ships(config) -> bool:
    """Whether a run's home pictures can be shipped: not for a VQ-VAE, whose samples depend on a learned
    prior trained and replaced apart from the checkpoint. config: a ModelConfig (or anything with its traits)."""
    return config.kind.ships_home_pictures


def settings(num_classes: int) -> dict:
    """What decides the pictures' pixels besides the weights: a file stamped with other settings is stale."""
    return {"seed": SEED, "samples": sample_count(num_classes), "recons": RECON_COUNT, "columns": COLUMNS,
            "min_side": MIN_SIDE}


def save_picture(run_dir: str | Path, name: str, picture: Image.Image, drawn_with: dict) -> Path:
    """Write RUN/<name>.png atomically, stamped for the run's checkpoint and the settings."""
    meta = PngImagePlugin.PngInfo()
    meta.add_text(META_KEY, json.dumps(store.stamp(run_dir, drawn_with), sort_keys=True))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", pnginfo=meta)
    return store.write_file(Path(run_dir) / f"{name}.png", buffer.getvalue())


def load_picture(run_dir: str | Path, name: str, drawn_with: dict, digest: str) -> bytes | None:
    """The PNG's bytes when RUN/<name>.png was drawn from the checkpoint whose sha256 is `digest` with exactly
    these settings; None otherwise (missing, stale, torn, oversized or foreign)."""
    data = store.read_file(Path(run_dir) / f"{name}.png")
    if data is None or not data.endswith(PNG_END):  # missing, oversized, or torn before its end
        return None
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as picture:  # reads the header chunks
            if max(picture.size) > MAX_SIDE:
                return None
            meta = json.loads(picture.info.get(META_KEY, "{}"))
            picture.load()  # every pixel decodes: a torn file raises here, not in the reader's browser
    except Exception:  # Pillow and json raise many kinds on a torn or hand-edited file
        return None
    return data if store.is_fresh(meta, drawn_with, digest) else None
