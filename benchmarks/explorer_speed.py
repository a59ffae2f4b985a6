"""How fast the explorer answers on this CPU, against the issue's targets, in one markdown table.

    python -m benchmarks.explorer_speed [--quick] [--model NAME | --run-dir DIR] [--threads N] [--no-tsne]
                                        [--tsne-quality] [--no-server] [--no-browser]

In-process rows time what a rerun of a page computes (no Streamlit server): the median and p95 of many
repetitions after a warm-up. "slider" is one decode of one z plus encoding the enlarged picture
(ui.images.to_pil + png_bytes; a second row uses st.image's own encoder, JPEG for opaque pictures).
"traversal" is vae.explore.latent.traverse of 10 dims × 11 steps plus the PNG of the grid (a second row builds
the traversal page's plotly figure instead). The latent map encodes 5,000 test images (listed apart),
then projects them once with PCA and once with t-SNE (first call, no cache); the cached view is the
latent map page's st.cache_data projection on a hit, plus its 5,000-point figure serialized to JSON,
which is what a cached rerun redoes. The server rows spawn `streamlit run app.py` and time the health
check and GET /; Playwright (Debian's chromium) then times the first rendered home page and visits
the home page once per pretrained model (each loads its model and test set); the server's VmRSS and
VmHWM from /proc are read after that. The exit status is 0 either way: this is a report.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
import torch

from harness.app_server import chromium, free_port

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
PREFERRED = ("fashion-vae", "digits-vae")  # the 28×28 model the issue names, else the 8×8 one
rows: list[tuple[str, ...]] = []  # measurement, target, median, p95, CPU median, runs, verdict


def timed(fn, reps: int, warmup: int = 3) -> list[tuple[float, float]]:
    """(wall ms, process CPU ms) of each of reps calls of fn, after warmup calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        times.append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return times


def report(name: str, times: list[tuple[float, float]], target_ms: float | None, unit: str = "ms",
           verdict: bool = True) -> None:
    scale = 1000 if unit == "s" else 1
    walls = [w for w, _ in times]
    median, p95 = statistics.median(walls) / scale, float(np.percentile(walls, 95)) / scale
    cpu = statistics.median(c for _, c in times) / scale
    fmt = (lambda v: f"{v:.2f} s") if unit == "s" else (lambda v: f"{v:.1f} ms")
    target = "–" if target_ms is None else f"≤ {fmt(target_ms / scale)}"
    result = "–" if target_ms is None or not verdict else ("PASS" if median * scale <= target_ms else "FAIL")
    rows.append((name, target, fmt(median), fmt(p95) if len(times) > 1 else "–", fmt(cpu), str(len(times)), result))


def report_value(name: str, value: str, target: str, ok: bool | None) -> None:
    rows.append((name, target, value, "–", "–", "1", "–" if ok is None else ("PASS" if ok else "FAIL")))


def pick_model(name: str | None, run_dir: str | None):
    """The model the in-process rows use: --run-dir, --model, fashion-vae, digits-vae, else any small one."""
    from vae.training.checkpoint import load_model

    if run_dir:
        return Path(run_dir).name, load_model(run_dir)
    names = [name] if name else [*PREFERRED, *(p.name for p in sorted(ASSETS.iterdir()))]
    for n in names:
        if (ASSETS / n / "checkpoint.safetensors").is_file():
            model = load_model(ASSETS / n)
            if model.config.kind.posterior and max(model.config.image_shape[1:]) <= 28:
                return n, model
    sys.exit(f"no pretrained Gaussian model of 28×28 or smaller in {ASSETS}: run scripts/make_assets.sh")


def in_process(name: str, model, quick: bool) -> None:
    from ui.images import png_bytes, to_pil
    from vae.explore.grids import grid_pil
    from vae.explore.latent import decode_path, traverse

    reps = 30 if quick else 300
    shape = "×".join(map(str, model.config.image_shape[1:]))
    z = torch.zeros(model.latent_dim)
    values = iter(np.tile(np.linspace(-3, 3, 61), 10_000))

    def slider(encode):
        z[0] = float(next(values))  # each repetition is a new slider position
        return encode(to_pil(decode_path(model, z[None])[0], 384))  # 384 px: the traversal page's picture

    report(f"slider: decode 1 z + PNG of the {shape} picture enlarged to 384 px ({name})",
           timed(lambda: slider(png_bytes), reps), 20)
    try:
        from streamlit.elements.lib import image_utils

        class Layout:  # st.image(picture, width=picture.width), as the traversal page calls it
            width = 384

        def st_image(picture):  # what st.image does to a PIL picture before serving it
            fmt = image_utils._validate_image_format_string(picture, "auto")
            return image_utils._ensure_image_size_and_format(image_utils._pil_to_bytes(picture, fmt), Layout, fmt)

        report("slider, encoded the way st.image does (JPEG q100 for an opaque picture)",
               timed(lambda: slider(st_image), reps), 20)
    except (ImportError, AttributeError) as error:  # a private Streamlit API: skip when it moves
        print(f"(skipped the st.image encoder row: {error})", file=sys.stderr)

    dims = list(range(min(10, model.latent_dim)))
    steps = torch.linspace(-3, 3, 11)
    base = torch.zeros(model.latent_dim)

    def grid_png():
        images = traverse(model, base, dims, steps)  # (R, 11, C, H, W)
        return png_bytes(grid_pil(images.flatten(0, 1), nrow=11))

    report(f"traversal: {len(dims)} dims × 11 steps decoded + grid PNG", timed(grid_png, reps // 3), 150)
    try:
        from ui.parts.traversal import grid_figure

        def figure_json():
            images = traverse(model, base, dims, steps)
            hover = [[f"z{d} = {v:+.1f}" for v in steps.tolist()] for d in dims]
            return grid_figure(images, [f"z{d}" for d in dims], [f"{v:+.1f}" for v in steps.tolist()],
                               hover, "value").to_json()

        report("traversal, as the page ships it (plotly grid figure → JSON)", timed(figure_json, reps // 3), 150)
        from ui.images import to_pil
        from ui.live import data_uri

        def scrubber_frames():  # what every server slider move redoes: the scrubber's 41 frames of one number
            offsets = torch.linspace(-3, 3, 41)
            frames = traverse(model, base, dims[:1], offsets)[0]
            return [data_uri(to_pil(frame, 0)) for frame in frames]

        report("scrubber: 41 frames decoded → PNG data URIs (the model's size)", timed(scrubber_frames, reps // 3),
               None)
    except (ImportError, TypeError) as error:  # the traversal page's figure API may move
        print(f"(skipped the traversal figure row: {error})", file=sys.stderr)


def latent_map(name: str, model, quick: bool, tsne: bool = True, tsne_quality: bool = False) -> None:
    import streamlit as st

    from ui.catalog import data_for, list_models
    from vae.explore.latent import encode_dataset, project_2d

    entry = next(m for m in list_models() if m.name == name)  # a --run-dir stand-in is listed as a run
    data = data_for(entry)
    n = min(1000 if quick else 5000, len(data))
    encoded = None

    def encode():
        nonlocal encoded
        encoded = encode_dataset(model, data, limit=n)

    report(f"latent map: encode {n:,} test images (apart from the targets)", timed(encode, 3, warmup=1), None)
    codes = encoded.mu.numpy()
    report(f"latent map: PCA of {n:,} codes", timed(lambda: project_2d(codes, "pca"), 5, warmup=1), 1000)
    try:
        from ui import map_view  # the latent map page's cached projection and figure
    except ImportError as error:
        print(f"(no ui.parts.latent_map, so no cached view rows: {error})", file=sys.stderr)
        map_view = None
    st.cache_data.clear()

    def projection(method: str) -> np.ndarray:
        if map_view is None:
            return project_2d(codes, method)
        return map_view.projection(entry, codes, method, n)

    if tsne:
        first = timed(lambda: projection("tsne"), 1, warmup=0)  # a cache miss: what the first visitor waits for
        report(f"latent map: t-SNE of {n:,} codes, first time", first, 30_000, unit="s", verdict=not quick)
        if tsne_quality and encoded.labels is not None:
            compare_tsne(codes, encoded.labels.numpy(), projection("tsne"))
    if map_view is None:
        return
    labels = encoded.labels.numpy() if encoded.labels is not None else None
    text = {"image": "Test image", "class": "Class", "picked": "Picked", "legend": "Class"}
    projection("pca")  # fill the cache, as the page's first PCA view does
    params = inspect.signature(map_view.map_figure).parameters  # the page's figure API is still moving
    for method in ("pca", "tsne") if tsne else ("pca",):
        names = {"axes": (f"{method} 1", f"{method} 2")} if "axes" in params else {"axis": method}

        def cached_view(method=method, names=names):
            figure = map_view.map_figure(projection(method), np.arange(n), labels=labels,
                                         class_names=entry.class_names, factor=None, factor_name="",
                                         text=text, **names)
            return figure.to_json()

        try:
            report(f"latent map, cached {method} view: cache hit + {n:,}-point figure → JSON",
                   timed(cached_view, 10 if quick else 30), 500)
        except TypeError as error:
            print(f"(skipped the cached {method} view: ui.parts.latent_map.map_figure changed: {error})", file=sys.stderr)
    st.cache_data.clear()


def compare_tsne(codes: np.ndarray, labels: np.ndarray, ours: np.ndarray) -> None:
    """Our faster t-SNE settings against scikit-learn's defaults on the same codes: time, and how well the
    map keeps neighbourhoods (10-NN class accuracy, 3-fold; trustworthiness of the first 2,000 points)."""
    from sklearn.manifold import TSNE, trustworthiness
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier

    from vae.explore.latent import TSNE_SPEED, tsne_perplexity

    def quality(points: np.ndarray) -> str:
        accuracy = cross_val_score(KNeighborsClassifier(10), points, labels, cv=3).mean()
        trust = trustworthiness(codes[:2000], points[:2000], n_neighbors=10)
        return f"10-NN accuracy {accuracy:.3f}, trustworthiness {trust:.3f}"

    default = TSNE(n_components=2, init="pca", random_state=0, perplexity=tsne_perplexity(len(codes)), n_jobs=2)
    times = timed(lambda: default.fit_transform(codes), 1, warmup=0)
    report("t-SNE with scikit-learn's defaults (max_iter 1000, angle 0.5), for comparison", times, None, unit="s")
    report_value("t-SNE map quality, scikit-learn's defaults", quality(default.embedding_), "–", None)
    settings = ", ".join(f"{k} {v}" for k, v in TSNE_SPEED.items())
    report_value(f"t-SNE map quality, ours ({settings})", quality(ours), "–", None)


def memory(pid: int) -> tuple[float, float]:
    """VmRSS and VmHWM (peak) of a process, in MiB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (load-independent, unlike wall time)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server(browser: bool, quick: bool) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tempfile.TemporaryFile()
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.port",
         str(port), "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                pass
            if process.poll() is not None or time.perf_counter() - start > 60:
                log.seek(0)
                sys.exit(f"the server did not come up:\n{log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.05)
        healthy = time.perf_counter() - start
        ok = urllib.request.urlopen(f"{url}/", timeout=10).status == 200
        served = time.perf_counter() - start
        report_value("server: spawn → /_stcore/health ok", f"{healthy:.2f} s", "–", None)
        report_value("server: spawn → GET / (200)", f"{served:.2f} s (CPU {cpu_seconds(process.pid):.2f} s)",
                     "≤ 10 s", ok and served <= 10)
        rss, _ = memory(process.pid)
        report_value("server memory, idle (VmRSS)", f"{rss:.0f} MiB", "–", None)
        if browser:
            visit(url, start, process.pid, quick)
    finally:
        process.terminate()
        process.wait(timeout=30)


def visit(url: str, spawned: float, pid: int, quick: bool) -> None:
    """Time the first rendered home page, then show the home page of every pretrained model."""
    from playwright.sync_api import expect

    from ui.catalog import list_models
    from ui.sidebar import model_label

    labels = [model_label(m) for m in list_models() if m.pretrained]  # English: the browser's default
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(url)
        images = page.get_by_test_id("stMain").get_by_test_id("stImage")
        expect(images).to_have_count(2, timeout=300_000)  # samples and reconstructions of the first model
        first = time.perf_counter() - spawned
        report_value("server: spawn → home page rendered in chromium (imports + first model)",
                     f"{first:.2f} s (server CPU {cpu_seconds(pid):.2f} s)", "≤ 10 s", first <= 10)
        picker = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
        visited = 1
        for label in labels[1:2] if quick else labels[1:]:
            before = images.first.get_attribute("src")
            picker.click()
            page.get_by_role("option", name=label, exact=True).click()
            expect(picker.get_by_role("combobox")).to_have_value(label, timeout=30_000)
            expect(images.first).not_to_have_attribute("src", before or "", timeout=300_000)
            expect(images).to_have_count(2, timeout=300_000)
            visited += 1
            print(f"visited {label}: VmRSS {memory(pid)[0]:.0f} MiB", file=sys.stderr)
        time.sleep(1)
        rss, peak = memory(pid)
        models = f"{visited} of {len(labels)} pretrained models" if quick else f"all {visited} pretrained models"
        report_value(f"server memory (VmRSS) after the home page of {models}", f"{rss:.0f} MiB",
                     "≤ 1.5 GB", rss <= 1536 if not quick else None)
        report_value("server peak memory (VmHWM) over the same visits", f"{peak:.0f} MiB", "–", None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repetitions, 1,000 map points: a smoke run")
    parser.add_argument("--model", help="a pretrained model in assets/ (default: fashion-vae, else digits-vae)")
    parser.add_argument("--run-dir", help="a finished run to time instead (e.g. a stand-in with fashion-vae's "
                        "architecture while assets/ is still being trained); its parent becomes VAE_RUNS_DIR")
    parser.add_argument("--threads", type=int, help="torch threads for the in-process rows (default: torch's, "
                        "as the server uses); 1 shows what thread wake-ups cost on a busy machine")
    parser.add_argument("--no-tsne", action="store_true", help="skip the t-SNE rows (minutes on a busy machine)")
    parser.add_argument("--tsne-quality", action="store_true", help="also run t-SNE with scikit-learn's defaults "
                        "and compare both maps' neighbourhood quality (a minute more)")
    parser.add_argument("--no-server", action="store_true", help="skip the server start and memory rows")
    parser.add_argument("--no-browser", action="store_true", help="skip the Playwright rows")
    args = parser.parse_args()
    os.chdir(ROOT)
    if args.run_dir:
        args.run_dir = str(Path(args.run_dir).resolve())
        os.environ["VAE_RUNS_DIR"] = str(Path(args.run_dir).parent)
    if args.threads:
        torch.set_num_threads(args.threads)
    name, model = pick_model(args.model, args.run_dir)
    print(f"model {name} {tuple(model.config.image_shape)}, latent {model.latent_dim}; torch threads "
          f"{torch.get_num_threads()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", file=sys.stderr)
    with torch.inference_mode():
        in_process(name, model, args.quick)
        latent_map(name, model, args.quick, tsne=not args.no_tsne, tsne_quality=args.tsne_quality)
    if not args.no_server:
        server(browser=not args.no_browser, quick=args.quick)
    print(f"\n`python -m {' '.join(['benchmarks.explorer_speed', *sys.argv[1:]])}` · model {name} · "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print("| measurement | target | median | p95 | CPU median | runs | result |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
