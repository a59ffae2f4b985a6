/* What every live view shares. The views (view_sliders.js: every latent number on a slider,
   view_pad.js: a plane of two, view_path.js: t between two codes) decode in the page, with the
   decoder the weights component put in the registry, at most once per animation frame, and send
   their values to Python only when the hand lets go. ui/live.py joins these files, view_mount.js
   last, into one module that the component's bootstrap (boot.js) imports.

   Python re-sends the view's data on every rerun. `rev` counts the changes Python made to the code
   and `origin` names the view that made the last one: a view adopts the code only when someone else
   changed it, so a release that Python has not yet answered (or a value Streamlit dropped) never
   pulls a handle back under the user's hand. */

const ROUND = 100;  // values go back to Python with two decimals, as the server sliders show them

function el(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.appendChild(node);
  return node;
}

const round2 = (v) => Math.round(v * ROUND) / ROUND;
const signed = (v) => (v < 0 ? "−" : "+") + Math.abs(v).toFixed(2);
let sequence = 0;  // makes every release a new state value, so Python hears it even when z repeats
const stamp = () => Date.now() * 1000 + (sequence++ % 1000);

/** One decoded picture: a canvas of the picture's own size, enlarged by CSS with crisp pixels. */
class Picture {
  constructor(parent, caption) {
    this.figure = el("figure", "vl-figure", parent);
    this.canvas = el("canvas", "vl-picture", this.figure);
    this.canvas.setAttribute("role", "img");
    this.caption = el("figcaption", "vl-caption", this.figure, caption || "");
    this.image = null;
  }

  fit(shape) {
    const [, h, w] = shape;
    if (this.image && this.image.width === w && this.image.height === h) return;
    this.canvas.width = w;
    this.canvas.height = h;
    this.canvas.style.aspectRatio = `${w} / ${h}`;
    this.ctx = this.canvas.getContext("2d");
    this.image = this.ctx.createImageData(w, h);
  }

  show(decoder) {
    this.fit(decoder.shape);
    decoder.paint(this.image);
    this.ctx.putImageData(this.image, 0, 0);
  }
}

class View {
  constructor(root) {
    this.root = root;
    this.decoder = null;
    this.modelId = null;
    this.pending = false;
    this.lastRev = null;
    this.send = () => {};
  }

  /** The decoder of model id, once the weights component has registered it. */
  useModel(id) {
    if (id === this.modelId) return;
    this.modelId = id;
    this.decoder = null;
    this.root.classList.add("vl-loading");
    vaeLive.get(id).then((decoder) => {
      if (this.modelId !== id) return;
      this.decoder = decoder;
      this.root.classList.remove("vl-loading");
      this.schedule();
    });
  }

  /** At most one decode per animation frame, however many input events arrive in between. */
  schedule() {
    if (this.pending) return;
    this.pending = true;
    this.raf = requestAnimationFrame(() => {
      this.pending = false;
      if (!this.decoder) return;
      const start = performance.now();
      this.draw();
      vaeLive.record(start, performance.now() - start, this.name);
    });
  }

  /** Python's data -> adopt its code when another view or the server changed it. */
  takeRevision(data, adopt) {
    if (data.rev === this.lastRev) return;
    if (this.lastRev === null || data.origin !== this.name) adopt();
    this.lastRev = data.rev;
  }

  destroy() {
    cancelAnimationFrame(this.raf);
    this.resize?.disconnect();
    this.root.remove();
  }
}
