"""The floor of `benchmarks.page_open --startup`: a bare Streamlit page, a title, a line of text and two of
the shipped home pictures, with nothing of the app's (no sidebar, no catalog, no PyTorch). What Streamlit and
Chromium alone take on this machine from server start to two pictures drawn:

    python -m benchmarks.page_open --startup --app app.py,benchmarks/startup_floor.py
"""

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent.parent / "assets"
# The app's own first model's pictures (fashion-vae, or shapes-vae without Fashion-MNIST: ui.catalog.first_model).
PICTURES = next(p for p in (ASSETS / "fashion-vae", ASSETS / "shapes-vae") if (p / "home_samples.png").is_file())

st.title("VAE Latent Explorer")
st.markdown("A bare page: the floor of the start-up benchmark.")
for name in ("home_samples", "home_recons"):
    st.image(str(PICTURES / f"{name}.png"))
