"""Home: the VAE in plain words, its objective, and the chosen model's samples and reconstructions.

A server's first visit lands here before PyTorch has finished importing (app.py): the pretrained models'
pictures for the first seed are shipped in their folders (ui.parts.home.shipped), so the page draws without it.
"""

import streamlit as st

from ui.parts import home as home_view
from ui.i18n import t
from ui.page import open_page
from ui.state import next_seed
from vae.precompute import home_pictures

opened = open_page("home_title", "home_intro", needs_model=False)
st.markdown(t("home_objective"))
st.latex(r"\mathcal{L}(x) = \underbrace{\mathbb{E}_{q(z\mid x)}\big[\log p(x\mid z)\big]}_{\text{%s}}"
         r" \;-\; \beta\,\underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{%s } \mathcal{N}(0,I)}"
         % (t("home_formula_recon"), t("home_formula_prior")))

if opened.entry is not None:
    entry = opened.entry
    pictures = home_view.pictures(entry, st.session_state.get("home_seed", home_pictures.SEED))
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(t("home_samples"))
        st.caption(t("home_samples_help"))
        st.button(t("home_new_samples"), key="home_resample", on_click=next_seed, args=("home_seed",))
        st.image(pictures.samples, width="stretch", output_format="PNG")
        if entry.kind.codes:
            st.caption(t("home_vq_note_prior" if pictures.prior_used else "home_vq_note"))
    with right:
        st.subheader(t("home_recons"))
        st.caption(t("home_recons_help"))
        if pictures.recons is not None:  # else the page has said the dataset is missing
            st.image(pictures.recons, width="stretch", output_format="PNG")
st.markdown(t("home_pages"))
