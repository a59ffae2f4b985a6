// Every element carries this module (ui/live.py BOOT): it imports data.module, the real bundle, once per page.
const loads = (globalThis.__vaeLiveModules ??= new Map());  // bundle URL -> Promise of its module
export default function (args) {
  const { data, parentElement: root } = args;
  const state = (root.__vaeBoot ??= {});
  state.args = args;  // only the latest call draws: a newer one may come before the import resolved
  const url = new URL(data.module.replace(/^\//, ""), document.baseURI).href;  // under a base path too
  if (!loads.has(url)) loads.set(url, import(url).catch((error) => { loads.delete(url); throw error; }));
  loads.get(url).then((module) => {
    if (state.args !== args) return;
    if (module.css && !root.querySelector("style[data-vae-live]")) {
      const style = document.createElement("style");
      style.dataset.vaeLive = "";
      style.textContent = module.css;
      root.prepend(style);
    }
    state.cleanup = module.default(args);
  }).catch((error) => console.error("live view:", error));
  return () => {
    if (state.args !== args) return;  // a newer call owns the element
    state.args = null;
    setTimeout(() => {  // Streamlit cleans up a call it replaced late: a newer call within the tick keeps the view
      if (state.args === null) state.cleanup?.();
    });
  };
}
