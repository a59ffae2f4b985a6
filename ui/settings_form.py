"""The Train form, generated from vae.config's fields: one widget per setting the chosen family and
dataset use, in the column its metadata names, with its translated label and help.

Widgets hold raw values; `form_spec` turns them into a checked vae.spec.RunSpec (through flat settings
{field: value}, `form_settings`) and `describe` turns a ConfigError into one translated line that names the
field by its label. Widgets open on the family's own defaults (a VQ-VAE's latent_dim 16), and follow them
when the family is changed.
Nothing here knows a particular setting except through its field's metadata.
"""

from __future__ import annotations

import dataclasses
import math
import typing

import streamlit as st

from ui.i18n import t, table
from vae.config import (ConfigError, ModelConfig, TrainConfig, base_type, check_setting, default_for, own_default,
                        settings_of, type_hints, used_by)
from vae.spec import RunSpec

PREFIX = "train_"  # session-state key of a setting's widget: train_<field name>
FAMILY_DRAWN = "train_family_drawn"  # the family the form was last drawn for: what a family change moves from
GROUPS = ("model", "objective", "data", "run")
SESSION = "session"


def key_of(name: str) -> str:
    return PREFIX + name


def all_settings() -> list[tuple[dataclasses.Field, typing.Any]]:
    """(field, type hint) of every setting, model then training."""
    out = []
    for cls in (ModelConfig, TrainConfig):
        hints = type_hints(cls)
        out += [(f, hints[f.name]) for f in settings_of(cls)]
    return out


def widget_value(f: dataclasses.Field, hint, value):
    """A settings value as its widget holds it: tuples as '256,64' text, None as '' for text fields."""
    kind, _ = base_type(hint)
    if typing.get_origin(kind) is tuple:
        return ",".join(str(v) for v in value or ())
    if kind is str and not f.metadata.get("choices"):
        return value or ""
    return value


def form_defaults(preset: dict) -> dict:
    """Every widget's value for a preset (a partial dict of field names over the preset family's defaults)."""
    family = preset.get("family", "vae")
    return {key_of(f.name): widget_value(f, hint, preset.get(f.name, default_for(f, family)))
            for f, hint in all_settings()}


def preset_for(base: dict, family: str, **changes) -> dict:
    """A preset for another family made from base: base's values except those the family has its own default
    for (VQ-VAE's arch and latent_dim), then changes."""
    own = {f.name for f, _ in all_settings() if own_default(f, family)}
    return {**{k: v for k, v in base.items() if k not in own}, "family": family, **changes}


def follow_family() -> None:
    """The family widget's callback: the settings whose default differs between the family the form was drawn
    for and the one now picked take the new family's (vae -> vqvae: latent_dim 20 -> 16, arch -> conv)."""
    state = st.session_state
    before, now = state.get(FAMILY_DRAWN, "vae"), state[key_of("family")]
    for f, hint in all_settings():
        if default_for(f, before) != default_for(f, now):
            state[key_of(f.name)] = widget_value(f, hint, default_for(f, now))


def _label(name: str, family: str) -> str:
    special = f"setting_{name}_{family}"
    return t(special) if special in table() else t(f"setting_{name}")


def _choice_text(name: str):
    def text(value) -> str:
        key = f"choice_{name}_{value}"
        return t(key) if key in table() else str(value)
    return text


def _shown(f: dataclasses.Field, family: str, dataset: str, values: dict, advanced: bool) -> bool:
    meta = f.metadata
    if meta.get("advanced", False) != advanced or not used_by(f, family, dataset):
        return False
    if meta.get("choices") and own_default(f, family):
        return False  # fixed by the family (VQ-VAE is always conv)
    return meta.get("shown") is None or meta["shown"](values)


def _widget(f: dataclasses.Field, hint, family: str, problem: str | None = None) -> None:
    """The setting's widget, and under it the problem with its value (if any)."""
    _input(f, hint, family)
    if problem:
        st.error(problem, icon=":material/error:")


def _input(f: dataclasses.Field, hint, family: str) -> None:
    kind, optional = base_type(hint)
    name, meta = f.name, f.metadata
    common = dict(key=key_of(name), help=t(f"setting_{name}_help"), persist_state=SESSION)
    label = _label(name, family)
    if meta.get("choices"):
        options = list(meta["choices"])
        changed = follow_family if name == "family" else None  # the widgets the family has defaults for follow it
        st.selectbox(label, options, format_func=_choice_text(name), index=None if optional else 0,
                     placeholder=t("settings_default"), on_change=changed, **common)
    elif kind is bool:
        st.checkbox(label, **common)
    elif typing.get_origin(kind) is tuple or kind is str:
        st.text_input(label, placeholder=meta.get("example") or t("settings_default"), **common)
    elif kind is int:
        st.number_input(label, step=1, placeholder=t("settings_default"), **common)
    else:
        st.number_input(label, step=_float_step(f.default), format="%g", **common)


def _float_step(default: float) -> float:
    """The +/- step of a number field: a tenth of its default's order of magnitude (1e-4 for lr 1e-3)."""
    return 10 ** round(math.log10(abs(default))) / 10 if default else 0.1


def field_problems(state) -> dict[str, str]:
    """{field name: one translated line} for each shown setting whose value its own bounds refuse (vae.config's
    min/max/above/below, types, examples), all at once; empty fields are left to the schema's default. Rules
    between fields (conv stages and image size, classes held out) are checked at Start."""
    family, dataset = state[key_of("family")], state[key_of("dataset")]
    values = {f.name: state.get(key_of(f.name)) for f, _ in all_settings()}
    problems = {}
    for f, hint in all_settings():
        if not (_shown(f, family, dataset, values, False) or _shown(f, family, dataset, values, True)):
            continue
        value, kind = values[f.name], base_type(hint)[0]
        try:
            if typing.get_origin(kind) is tuple:
                value = _parse_numbers(f, value or "") or None
            elif isinstance(value, str) and not f.metadata.get("choices"):
                value = value.strip() or None
            if value is not None:
                check_setting(f.name, value)
        except ConfigError as error:
            problems[f.name] = describe(error, family)
    return problems


def form(dataset_caption=None) -> dict[str, str]:
    """Draw the widgets for the family and dataset now chosen, in four columns plus 'More settings', each
    refused value's message under its widget; returns those messages (field_problems)."""
    state = st.session_state
    family, dataset = state[key_of("family")], state[key_of("dataset")]
    state[FAMILY_DRAWN] = family
    values = {f.name: state.get(key_of(f.name)) for f, _ in all_settings()}
    problems = field_problems(state)
    columns = dict(zip(GROUPS, st.columns(len(GROUPS), gap="medium")))
    section = {"model": "train_section_model", "objective": "train_section_objective",
               "data": "train_section_data", "run": "train_section_run"}
    for group, column in columns.items():
        with column:
            st.markdown(f"**{t(section[group])}**")
            for f, hint in all_settings():
                if f.metadata["group"] == group and _shown(f, family, dataset, values, advanced=False):
                    _widget(f, hint, family, problems.get(f.name))
                    if f.name == "dataset" and dataset_caption is not None:
                        dataset_caption()
    advanced = [(f, hint) for f, hint in all_settings() if _shown(f, family, dataset, values, advanced=True)]
    if advanced:
        with st.expander(t("settings_more")):
            for column, (f, hint) in zip(st.columns(4) * len(advanced), advanced):
                with column:
                    _widget(f, hint, family, problems.get(f.name))
    return problems


def _parse_numbers(f: dataclasses.Field, text: str) -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in str(text).replace(" ", "").split(",") if p)
    except ValueError:
        example = f.metadata.get("example") or "1,2"
        raise ConfigError(f"{f.name} must be whole numbers separated by commas, e.g. {example} (got {text!r})",
                          field=f.name, rule="whole_list", example=example) from None


def form_settings(state) -> dict:
    """The shown widgets' values as flat settings {field name: value}; raises ConfigError for text that
    is not numbers. Settings left empty (None, '') are left out: the schema's default applies."""
    family, dataset = state[key_of("family")], state[key_of("dataset")]
    values = {f.name: state.get(key_of(f.name)) for f, _ in all_settings()}
    settings = {"family": family}
    for f, hint in all_settings():
        if not (_shown(f, family, dataset, values, False) or _shown(f, family, dataset, values, True)):
            continue
        value = state.get(key_of(f.name))
        kind, _ = base_type(hint)
        if typing.get_origin(kind) is tuple:
            value = _parse_numbers(f, value or "")
            if not value and f.name == "hidden":
                continue  # empty: the trainer picks widths from the image size
        elif kind is str and isinstance(value, str) and not f.metadata.get("choices"):
            value = value.strip() or None
        if value is not None:
            settings[f.name] = value
    return settings


def form_spec(state) -> RunSpec:
    """The form as a checked RunSpec (the family's defaults for what it leaves out); ConfigError naming the
    field when a value or a rule between values is refused."""
    return RunSpec.from_flat(form_settings(state))


def describe(error: ConfigError, family: str = "vae") -> str:
    """One translated line for a refused setting: the form's label, then the reason."""
    reason_key = f"rule_{error.rule}" if error.rule else None
    try:
        reason = t(reason_key, **error.params) if reason_key in table() else str(error)
    except (KeyError, ValueError, IndexError):
        reason = str(error)
    if error.field and f"setting_{error.field}" in table():
        return t("settings_problem", label=_label(error.field, family), reason=reason)
    return reason
