"""Keep the server's garbage collection cheap under many sessions.

Streamlit runs a full collection after every script run by default (`runner.postScriptGC`). A full
collection walks every object the process tracks, and this process holds PyTorch, plotly and the models:
that walk was half the server's CPU time for a page visit (py-spy), and freezing took a traversal visit
from 0.38 to 0.16 CPU-s, a home visit from 0.21 to 0.05 (benchmarks/server_cpu.py). `.streamlit/config.toml`
now turns that collection off (under 15 following students it still took a third of the CPU), but Python's
own collector runs full collections as objects are allocated. Freezing the objects alive after the first run
(the imported libraries, the loaded models) moves them out of the collector's reach for good; each
collection then walks only what the runs since have made, which is what it is there to free. Frozen objects
are still freed by their reference counts; only a cycle among them would stay.
"""

from __future__ import annotations

import gc

_frozen = False


def freeze_startup_heap() -> None:
    """Once per process: collect, then freeze what is left (gc.freeze). Later calls do nothing."""
    global _frozen
    if _frozen:
        return
    _frozen = True
    gc.collect()
    gc.freeze()
