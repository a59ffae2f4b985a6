"""VAE Latent Explorer: `streamlit run app.py`.

A small router: page config and navigation. Each page draws the shared sidebar itself
(ui.sidebar), so pages also run on their own under Streamlit's AppTest.

The pages live in views/, not pages/: Streamlit treats a pages/ folder as its legacy multipage
app, and a fresh server then serves a bookmarked /traversal without this router.
"""

import sys

import streamlit as st

from ui.heap import freeze_startup_heap
from ui.tcp import send_at_once
from ui.i18n import t
from ui.torch_runtime import load_torch
from ui import url_state
from ui.teaching import follow
from ui.url_state import restore_language

st.set_page_config(page_title="VAE Latent Explorer", page_icon="🧭", layout="wide")
send_at_once()  # Nagle's algorithm off for this server's connections (ui/tcp.py), once per process
restore_language()  # the loading message and the menu below are in the link's language from the first run

# Material icons come with Streamlit; emoji need a font the machine may lack (Debian's Chromium drew boxes).
PAGES = {
    "nav_section_explore": [
        ("views/home.py", "nav_home", ":material/home:", True),
        ("views/lesson.py", "nav_lesson", ":material/school:", False),
        ("views/traversal.py", "nav_traversal", ":material/tune:", False),
        ("views/latent_map.py", "nav_latent_map", ":material/scatter_plot:", False),
        ("views/interpolation.py", "nav_interpolation", ":material/swap_horiz:", False),
        ("views/conditional.py", "nav_conditional", ":material/category:", False),
        ("views/disentanglement.py", "nav_disentanglement", ":material/view_column:", False),
    ],
    "nav_section_apply": [
        ("views/restore.py", "nav_restore", ":material/healing:", False),
        ("views/anomaly.py", "nav_anomaly", ":material/report:", False),
        ("views/codes.py", "nav_codes", ":material/extension:", False),
    ],
    "nav_section_train": [
        ("views/train.py", "nav_train", ":material/fitness_center:", False),
        ("views/runs.py", "nav_runs", ":material/monitoring:", False),
    ],
}

# The speaker view (the teacher's notes beside the projected window) opens from a link, never from the menu.
HIDDEN_PAGES = [("views/speaker.py", "speaker_title", ":material/speaker_notes:")]

sections = {
    t(section): [st.Page(path, title=t(title), icon=icon, default=default) for path, title, icon, default in pages]
    for section, pages in PAGES.items()
}
sections[t("nav_section_train")] += [st.Page(path, title=t(title), icon=icon, visibility="hidden")
                                     for path, title, icon in HIDDEN_PAGES]
navigation = st.navigation(sections)
# PyTorch takes seconds to import. The first visit after a server start usually opens the home page, which draws
# without it (views/home.py): PyTorch is imported after that page is on screen, before the reader's first click.
# Any other page says so on screen while PyTorch loads, then draws.
first_visit_home = "torch" not in sys.modules and navigation.url_path == ""
if not first_visit_home:
    load_torch()
navigation.run()
url_state.drop_unclaimed()  # after the page's full run: what it did not read leaves the address bar
follow.after_page()  # a teacher's window tells its class of a move only once the page is drawn
if first_visit_home:
    load_torch(say_so=False)

# After the first run every long-lived object exists (the libraries, the first page's models): take them out
# of the full collection Streamlit runs after each run (ui/heap.py).
freeze_startup_heap()
