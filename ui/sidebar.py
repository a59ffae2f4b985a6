"""The shared sidebar every page draws first: language, model picker and the model's facts."""

from __future__ import annotations

import streamlit as st

from ui import url_state

from ui.teaching import follow as classroom

from ui.teaching import lesson

from ui.teaching import present
from ui.catalog import ModelEntry, list_models, openable
from ui.i18n import DEFAULT_LANGUAGE, LANGUAGES, t
from ui.share import copy_link_button
from ui.state import carried, carry

def family_label(model) -> str:
    """The family's name for a model entry or a run's facts (anything with .kind and .beta)."""
    return t(model.kind.label_key(model.beta))


def model_label(entry: ModelEntry) -> str:
    if entry.problem:
        return f"{entry.name} · {t('damaged_label')}"
    # The name alone fits the sidebar (family and dataset are in the facts below it); a run is marked as yours.
    return entry.name if entry.pretrained else f"{entry.name} · {t('your_run')}"


def _facts(entry: ModelEntry) -> None:
    loss = f"{entry.test_loss:.1f}" if entry.test_loss is not None else "–"
    rows = [(t("fact_family"), family_label(entry)), (t("fact_dataset"), entry.dataset),
            (t("fact_latent"), str(entry.latent_dim))]
    if entry.kind.posterior:  # without a posterior there is no KL term for β to weigh
        rows.append((t("fact_beta"), f"{entry.model.beta:g}"))
    rows.append((t("fact_test_loss"), loss))
    rows.append((t("fact_source"), t("pretrained") if entry.pretrained else t("your_run")))
    st.sidebar.markdown("\n".join(f"- **{name}**: {value}" for name, value in rows))


def sidebar(models: list[ModelEntry] | None = None) -> ModelEntry | None:
    """Draw the sidebar (and a running lesson's step above the page); return the chosen model (None when
    there is none to choose). The language, the model and presenter mode live in the URL too."""
    url_state.restore_language()
    language = st.sidebar.segmented_control("Language / 语言", list(LANGUAGES), format_func=LANGUAGES.get, key="lang",
                                            required=True, persist_state="session")
    carried("lang", language)
    url_state.keep("lang", language, default=DEFAULT_LANGUAGE)
    carry(present.KEY, (True, False), False)
    url_state.restore("present", present.KEY, url_state.flag)
    presenting = st.sidebar.toggle(t("present_toggle"), key=present.KEY, help=t("present_toggle_help"),
                                   persist_state="session")
    carried(present.KEY, presenting)
    url_state.keep("present", presenting, default=False, text=lambda _: "1")
    present.apply()
    classroom.top_of_page(lesson.current())  # the lesson's card, the projector's bar or a follower's bar
    models = list_models() if models is None else models
    if not models:
        st.sidebar.warning(t("no_models"))
        return None
    entry = _pick_model(models)
    url_state.keep("model", entry.name)
    with st.sidebar:
        copy_link_button()
    if entry.problem:
        st.sidebar.error(t("model_damaged", name=entry.name, why=entry.problem))
        return None
    _facts(entry)
    return entry


def _pick_model(models: list[ModelEntry]) -> ModelEntry:
    """The model picker; a link's `model=` names a run folder (a pretrained one first, when two share it)."""
    paths = [m.path for m in models]
    by_name: dict[str, str] = {}
    for m in models:
        by_name.setdefault(m.name, m.path)
    carry("model_path", paths, paths[0])
    url_state.restore("model", "model_path", url_state.choice(by_name))
    chosen = st.sidebar.selectbox(t("model_picker"), paths, key="model_path", persist_state="session",
                                  format_func=lambda p: model_label(models[paths.index(p)]))
    carried("model_path", chosen)
    return models[paths.index(chosen)]


def suggest_models(models: list[ModelEntry], fits, reason_key: str) -> None:
    """Explain why this page does not apply to the chosen model and offer ones it works with."""
    st.info(t(reason_key))
    good = [m for m in openable(models) if fits(m)]
    if not good:
        st.warning(t("no_fitting_model"))
        return
    st.write(t("try_these"))
    for m in good:
        st.button(model_label(m), key=f"suggest-{m.path}", on_click=_choose, args=(m.path,))


def _choose(path: str) -> None:
    # A callback runs before the script, while the picker may still be changed.
    st.session_state["model_path"] = path
