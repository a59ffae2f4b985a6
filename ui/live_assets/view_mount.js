const VIEWS = { sliders: SlidersView, pad: PadView, path: PathView, scrub: ScrubView, width: WidthProbe };

export default function ({ data, parentElement, setStateValue }) {
  // Streamlit calls this again with the same parentElement whenever data changes: keep one view per element.
  let view = parentElement.__vaeView;
  if (!view || view.mode !== data.mode) {
    view?.destroy();
    view = new VIEWS[data.mode](el("div", "vl", parentElement));
    view.mode = data.mode;
    parentElement.__vaeView = view;
  }
  view.send = setStateValue;
  view.update(data);
  return () => {
    view.destroy();
    parentElement.__vaeView = null;
  };
}
