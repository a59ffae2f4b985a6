"""The opening every page shares: the sidebar, the title and intro, then the chosen model, its test data
and the one-line warnings when there is no model, the model does not fit the page, or the data is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import streamlit as st

from ui.catalog import ModelEntry, list_models
from ui.i18n import t
from ui.sidebar import sidebar, suggest_models
from vae.data import DatasetUnavailable

if TYPE_CHECKING:
    import torch

    from vae.data import ImageData

# ui.loaders (PyTorch) is imported where a model or data is loaded, not above: the home page draws its shipped
# pictures through open_page(needs_model=False) while PyTorch is still importing (app.py).


@dataclass(frozen=True)
class Opened:
    """What a page works on."""

    models: list[ModelEntry]  # every model the sidebar offers
    entry: ModelEntry | None  # the chosen one (None only for pages opened with needs_model=False)
    model: torch.nn.Module | None  # its weights (None with needs_model=False)
    data: ImageData | None  # its test split (None with needs_data=False, or when the data is not here)


def open_page(title_key: str, intro_key: str, *, needs_model: bool = True, fits: Callable[[ModelEntry], bool] | None = None,
              reason_key: str = "", needs_data: bool = True, data_optional: bool = False, stop: bool = True) -> Opened | None:
    """Draw the sidebar, the title and the intro; then, with needs_model, load the chosen model.

    No usable model (none chosen, a damaged one, or one `fits` refuses, for which the fitting models are
    suggested with the reason_key text): st.stop(), or None when stop is False. needs_data: load the test
    split; a dataset that is not here is a warning, and stops the page unless data_optional."""
    models = list_models()
    entry = sidebar(models)
    st.title(t(title_key))
    st.markdown(t(intro_key))
    if not needs_model:
        return Opened(models, entry, None, None)
    if entry is not None and fits is not None and not fits(entry):
        suggest_models(models, fits, reason_key)
        entry = None
    if entry is None:
        if stop:
            st.stop()
        return None
    from ui.loaders import model_for

    model = model_for(entry)
    data = data_or_warning(entry) if needs_data else None
    if needs_data and data is None and not data_optional:
        st.stop()
    return Opened(models, entry, model, data)


def data_or_warning(entry: ModelEntry) -> ImageData | None:
    """The model's test split, or None with a one-line warning when its dataset is not on this machine."""
    from ui.loaders import data_for

    try:
        return data_for(entry)
    except DatasetUnavailable as error:
        st.warning(t("data_missing", message=error))
        return None
