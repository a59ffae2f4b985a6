// The width probe as a component of its own, inline (view_probe.js + this, ~1 KB): it must report at once, not
// after the views' bundle is imported, or the page's first layout reruns the script late (ui/live.py).
export default function ({ data, parentElement, setStateValue }) {
  let probe = parentElement.__vaeProbe;
  if (!probe) {
    probe = new WidthProbe(parentElement.appendChild(document.createElement("div")));
    parentElement.__vaeProbe = probe;
  }
  probe.send = setStateValue;
  probe.update(data);
  return () => {
    probe.destroy();
    parentElement.__vaeProbe = null;
  };
}
