"""Home: the VAE in plain words, its objective, and the chosen model's samples and reconstructions."""

import streamlit as st
import torch

from ui.codes_view import cached_prior, prior_stamp
from ui.i18n import t
from ui.images import grid_pil
from ui.page import open_page
from ui.state import next_seed
from vae.grids import interleave_rows
from vae.prior import PriorError, sample_images


def learned_prior(entry, model):
    """The VQ-VAE run's learned code prior, or None (none trained, or trained for other codes)."""
    try:
        return cached_prior(entry, prior_stamp(entry), model)
    except PriorError:
        return None


opened = open_page("home_title", "home_intro", data_optional=True, stop=False)
st.markdown(t("home_objective"))
st.latex(r"\mathcal{L}(x) = \underbrace{\mathbb{E}_{q(z\mid x)}\big[\log p(x\mid z)\big]}_{\text{%s}}"
         r" \;-\; \beta\,\underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{%s } \mathcal{N}(0,I)}"
         % (t("home_formula_recon"), t("home_formula_prior")))

if opened is not None:
    entry, model, data = opened.entry, opened.model, opened.data
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(t("home_samples"))
        st.caption(t("home_samples_help"))
        st.button(t("home_new_samples"), key="home_resample", on_click=next_seed, args=("home_seed",))
        generator = torch.Generator().manual_seed(st.session_state.get("home_seed", 0))
        n = 8 * max(1, min(entry.num_classes, 8)) if entry.num_classes else 32
        y = torch.arange(n) // 8 % entry.num_classes if entry.num_classes else None
        prior = learned_prior(entry, model) if entry.is_vector_quantized else None
        if prior is not None:  # a VQ-VAE's codes drawn by its learned prior, which knows how codes fit together
            try:
                samples = sample_images(model, prior, n, 1.0, generator)
            except PriorError:  # a damaged prior: the codebook's own samples instead
                prior = None
        if prior is None:
            samples = model.sample(n, y=y, generator=generator)
        st.image(grid_pil(samples, nrow=8), width="stretch", output_format="PNG")
        if entry.is_vector_quantized:
            st.caption(t("home_vq_note_prior" if prior is not None else "home_vq_note"))
    with right:
        st.subheader(t("home_recons"))
        st.caption(t("home_recons_help"))
        if data is not None:  # else open_page said the dataset is missing
            x = data.images[:16]
            labels = data.labels[:16] if entry.num_classes else None
            recons = model.reconstruct(x, labels).cpu()
            st.image(grid_pil(interleave_rows(x, recons), nrow=8), width="stretch", output_format="PNG")
st.markdown(t("home_pages"))
