"""Home: the VAE in plain words, its objective, and the chosen model's samples and reconstructions."""

import streamlit as st
import torch

from ui.catalog import data_for, model_for
from ui.codes_view import cached_prior, prior_stamp
from ui.i18n import t
from ui.images import grid_pil
from ui.sidebar import sidebar
from vae.data import DatasetUnavailable
from vae.grids import interleave_rows
from vae.prior import PriorError, sample_images

def learned_prior(entry, model):
    """The VQ-VAE run's learned code prior, or None (none trained, or trained for other codes)."""
    try:
        return cached_prior(entry.path, entry.stamp, prior_stamp(entry), model)
    except PriorError:
        return None


entry = sidebar()
st.title(t("home_title"))
st.markdown(t("home_intro"))
st.markdown(t("home_objective"))
st.latex(r"\mathcal{L}(x) = \underbrace{\mathbb{E}_{q(z\mid x)}\big[\log p(x\mid z)\big]}_{\text{reconstruction}}"
         r" \;-\; \beta\,\underbrace{\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big)}_{\text{stay near } \mathcal{N}(0,I)}")

if entry is not None:
    model = model_for(entry)
    left, right = st.columns(2, gap="large")
    with left:
        st.subheader(t("home_samples"))
        st.caption(t("home_samples_help"))
        if st.button(t("home_new_samples"), key="home_resample"):
            st.session_state["home_seed"] = st.session_state.get("home_seed", 0) + 1
        generator = torch.Generator().manual_seed(st.session_state.get("home_seed", 0))
        n = 8 * max(1, min(entry.num_classes, 8)) if entry.num_classes else 32
        y = torch.arange(n) // 8 % entry.num_classes if entry.num_classes else None
        prior = learned_prior(entry, model) if not entry.is_gaussian else None
        if prior is not None:  # a VQ-VAE's codes drawn by its learned prior, which knows how codes fit together
            try:
                samples = sample_images(model, prior, n, 1.0, generator)
            except PriorError:  # a damaged prior: the codebook's own samples instead
                prior = None
        if prior is None:
            samples = model.sample(n, y=y, generator=generator)
        st.image(grid_pil(samples, nrow=8), width="stretch", output_format="PNG")
        if not entry.is_gaussian:
            st.caption(t("home_vq_note_prior" if prior is not None else "home_vq_note"))
    with right:
        st.subheader(t("home_recons"))
        st.caption(t("home_recons_help"))
        try:
            data = data_for(entry)
        except DatasetUnavailable as error:
            st.warning(t("data_missing", message=error))
        else:
            x = data.images[:16]
            labels = data.labels[:16] if entry.num_classes else None
            recons = model.reconstruct(x, labels).cpu()
            st.image(grid_pil(interleave_rows(x, recons), nrow=8), width="stretch", output_format="PNG")
st.markdown(t("home_pages"))
