"""What one release of a live view makes the server build, element by element (issue 25).

    python -m benchmarks.live_bytes [--releases 3] [--app app.py] [--json]

One protocol-level student (benchmarks/class_client.py) on a fresh `streamlit run app.py` (harness.app_server)
opens the lesson's traversal step (benchmarks/class_paths.py LessonPath), then lets go of the
live sliders and of the pad --releases times each: the fragment rerun a browser sends on release. Per release
(mean): the websocket bytes, what the server built (the frames sent plus the messages the browser's cache let
it send as references), the pictures fetched over HTTP after it; and per element kind (a live view by its mode,
the weights element, another component by name, Streamlit's own elements by type) the bytes of its messages,
the Components v2 elements' inline JavaScript, CSS and data apart. Then what the page fetches once: every
/media/ URL the live elements name (bundles of JavaScript, the decoder's weights, the pad's dots), with its
size. --app runs another checkout's app.py (an absolute path) to compare. The exit status is 0: a report.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import tempfile

from benchmarks.class_client import Student, media_urls, run_async
from benchmarks.class_paths import PAD, SLIDERS, LessonPath
from harness.app_server import serve_app

PARTS = ("js_content", "css_content", "json")  # a component's inline JavaScript, CSS and data (JSON)


def component_kind(proto) -> str:
    """A Components v2 element (its BidiComponent proto) -> "view:pad", "weights", "component:copy_link", ..."""
    name = proto.component_name.split(".")[-1]
    if name == "vae_live_weights":
        return "weights"
    if name == "vae_live_view" and proto.json:
        return f"view:{json.loads(proto.json).get('mode', '?')}"
    return f"component:{name}"


def element_kind(element) -> str:
    """A message's element -> the row it counts in: a component's kind, or the element's type ("slider", ...)."""
    kind = element.WhichOneof("type")
    return component_kind(element.bidi_component) if kind == "bidi_component" else kind or "other"


class CountingStudent(Student):
    """A student that adds up the bytes of every element it is sent (or sent a reference to)."""

    def __init__(self, url: str):
        super().__init__(url)
        self.sizes: collections.Counter = collections.Counter()  # (kind, part) -> bytes; part "" = the message

    def _delta(self, msg, run, seen, media) -> None:
        delta = msg.delta
        if delta.WhichOneof("type") == "new_element":
            element = delta.new_element
            kind = element_kind(element)
            self.sizes[kind, ""] += msg.ByteSize()
            self.sizes[kind, "count"] += 1
            if element.WhichOneof("type") == "bidi_component":
                for part in PARTS:
                    self.sizes[kind, part] += len(getattr(element.bidi_component, part))
        super()._delta(msg, run, seen, media)


async def measure(url: str, releases: int) -> dict:
    path, rng, student = LessonPath(), random.Random(0), CountingStudent(url)
    try:
        await path.open(student, rng)
        once = {}
        for widget in list(student.widgets.values()):
            if widget.kind == "bidi_component":
                for media in sorted(media_urls(widget.data()) - set(once)):
                    status, body = await student.http.get(media)
                    once[media] = {"element": component_kind(widget.proto), "status": status, "bytes": len(body)}
        result = {"once": once}
        for name, prefix in (("sliders", SLIDERS), ("pad", PAD)):
            student.sizes.clear()
            runs = [await path.release(student, prefix, rng) for _ in range(releases)]
            result[name] = {
                "ws": sum(r.bytes_in for r in runs) / releases,
                "built": sum(r.built_bytes for r in runs) / releases,
                "http": sum(r.media_bytes for r in runs) / releases,
                "elements": {f"{kind}{'.' + part if part else ''}": n / releases
                             for (kind, part), n in student.sizes.items()},
            }
        return result
    finally:
        await student.close()


def table(result: dict) -> str:
    lines = []
    for name in ("sliders", "pad"):
        row = result[name]
        lines += [f"\n{name} release: {row['ws'] / 1e3:,.1f} KB websocket, {row['built'] / 1e3:,.1f} KB built, "
                  f"{row['http'] / 1e3:,.1f} KB HTTP",
                  "| element | per release | KB built | of which JS KB | CSS KB | data KB |",
                  "|---|---:|---:|---:|---:|---:|"]
        elements = row["elements"]
        kinds = sorted({k.split(".")[0] for k in elements}, key=lambda k: -elements[k])
        for kind in kinds:
            parts = [elements.get(f"{kind}.{p}") for p in PARTS]
            cells = " | ".join("" if v is None else f"{v / 1e3:,.1f}" for v in parts)
            lines.append(f"| {kind} | {elements[f'{kind}.count']:g} | {elements[kind] / 1e3:,.1f} | {cells} |")
    lines += ["\nfetched once per page (the URLs the live elements name):", "| element | URL | KB |", "|---|---|---:|"]
    for media, info in result["once"].items():
        status = "" if info["status"] == 200 else f" (HTTP {info['status']})"
        lines.append(f"| {info['element']} | {media.rsplit('/', 1)[1]}{status} | {info['bytes'] / 1e3:,.1f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--releases", type=int, default=3, help="releases of each view to average over")
    parser.add_argument("--app", default="app.py", help="the entry script (another checkout's app.py to compare)")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as runs, serve_app(runs, script=args.app) as server:
        result = run_async(measure(server.url, args.releases))
    print(json.dumps(result, indent=1) if args.json else table(result))


if __name__ == "__main__":
    main()
