/* The live views: sliders over every latent number, a pad over two of them, and a t slider between
   two codes. Each decodes in the page (the decoder comes from the registry, put there by the
   weights component) at most once per animation frame, and sends its values to Python only when
   the hand lets go.

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

/** Every latent number on a slider, and the picture they decode to. */
class SlidersView extends View {
  update(data) {
    this.name = data.name;
    this.y = data.y;
    this.base = data.base;
    if (!this.z || this.z.length !== data.z.length) this.z = Float64Array.from(data.z);
    const layout = JSON.stringify([data.dims, data.base, data.span, data.step, data.columns, data.text]);
    if (layout !== this.layout) {
      this.layout = layout;
      this.build(data);
    }
    this.takeRevision(data, () => this.adopt(data.z));
    this.startImage.hidden = !data.start;
    if (data.start) {
      this.startImage.src = data.start;
      this.startImage.alt = data.text.start;
      this.startCaption.textContent = data.text.start;
    }
    this.useModel(data.model);
    this.schedule();
  }

  build(data) {
    this.root.replaceChildren();
    this.root.className = "vl vl-sliders";
    const left = el("div", "vl-left", this.root);
    this.picture = new Picture(left, data.text.caption);
    this.picture.canvas.setAttribute("aria-label", data.text.caption);
    const start = el("figure", "vl-start", left);
    this.startImage = el("img", "vl-start-image", start);
    this.startCaption = el("figcaption", "vl-caption", start);
    const right = el("div", "vl-right", this.root);
    const grid = el("div", "vl-slider-grid", right);
    grid.style.gridTemplateColumns = `repeat(${data.columns}, minmax(0, 1fr))`;
    // Column-major like the server's sliders: the first column holds the most used numbers.
    const perColumn = Math.ceil(data.dims.length / data.columns);
    grid.style.gridTemplateRows = `repeat(${perColumn}, auto)`;
    grid.style.gridAutoFlow = "column";
    this.inputs = new Map();
    this.active = null;
    for (const dim of data.dims) {
      const row = el("label", "vl-slider", grid);
      row.title = dim.help;
      const head = el("div", "vl-slider-head", row);
      el("span", "vl-slider-name", head, dim.label);
      const value = el("span", "vl-slider-value", head);
      const input = el("input", "vl-range", row);
      Object.assign(input, { type: "range", step: String(data.step) });
      input.min = String(round2(data.base[dim.d] - data.span));
      input.max = String(round2(data.base[dim.d] + data.span));
      input.setAttribute("aria-label", dim.label);
      input.dataset.dim = String(dim.d);
      const show = () => {
        value.textContent = Number(input.value).toFixed(2);
        input.setAttribute("aria-valuetext", Number(input.value).toFixed(2));
      };
      input.addEventListener("pointerdown", () => { this.active = dim.d; });
      input.addEventListener("input", () => {
        this.z[dim.d] = Number(input.value);
        show();
        this.schedule();
      });
      input.addEventListener("change", () => {
        this.active = null;
        this.release();
      });
      this.inputs.set(dim.d, { input, show });
    }
    const reset = el("button", "vl-button", right, data.text.reset);
    reset.type = "button";
    reset.addEventListener("click", () => {
      this.adopt(this.base, true);
      this.release();
    });
    this.setInputs();
  }

  /** Take code z, except the number under the user's hand (unless forced). */
  adopt(z, force = false) {
    for (let d = 0; d < this.z.length; d++) if (force || d !== this.active) this.z[d] = z[d];
    this.setInputs();
    this.schedule();
  }

  setInputs() {
    for (const [d, { input, show }] of this.inputs) {
      input.value = String(this.z[d]);
      show();
    }
  }

  release() {
    this.send("z", { z: Array.from(this.z, round2), seq: stamp() });
  }

  draw() {
    this.decoder.decode(this.z, this.y);
    this.picture.show(this.decoder);
  }
}

/** A plane of two latent numbers: the pointer's position is the code, decoded as it moves. */
class PadView extends View {
  update(data) {
    this.name = data.name;
    this.y = data.y;
    this.dims = data.dims;
    if (!this.z || this.z.length !== data.z.length) this.z = Float64Array.from(data.z);
    const layout = JSON.stringify([data.dims, data.range, data.axes, data.text, data.palette, data.circles]);
    const scene = JSON.stringify([data.points, data.background]);
    if (layout !== this.layout) {
      this.layout = layout;
      this.build(data);
      this.scene = null;
      this.pinned = null;
    }
    this.range = data.range;
    this.takeRevision(data, () => {
      this.z = Float64Array.from(data.z);
      this.pinned = [this.z[this.dims[0]], this.z[this.dims[1]]];
    });
    this.pinned ??= [this.z[this.dims[0]], this.z[this.dims[1]]];
    if (scene !== this.scene) {
      this.scene = scene;
      this.loadScene(data);
    }
    this.useModel(data.model);
    this.schedule();
  }

  build(data) {
    this.root.replaceChildren();
    this.root.className = "vl vl-pad";
    const left = el("div", "vl-pad-box", this.root);
    this.canvas = el("canvas", "vl-pad-canvas", left);
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "slider");
    this.canvas.setAttribute("aria-label", data.text.pad);
    this.ctx = this.canvas.getContext("2d");
    this.axes = data.axes;
    el("div", "vl-hint", left, data.text.hint);
    const right = el("div", "vl-right", this.root);
    this.picture = new Picture(right, "");
    this.picture.canvas.setAttribute("aria-label", data.text.caption);
    this.readout = this.picture.caption;
    this.static = document.createElement("canvas");
    this.dragging = false;
    this.hovering = false;
    const c = this.canvas;
    c.addEventListener("pointermove", (e) => {
      if (e.pointerType === "mouse" || this.dragging) this.point(e);
    });
    c.addEventListener("pointerdown", (e) => {
      this.dragging = true;
      c.setPointerCapture(e.pointerId);
      this.point(e);
    });
    c.addEventListener("pointerup", (e) => {
      if (!this.dragging) return;
      this.dragging = false;
      this.point(e);
      this.pin();
    });
    c.addEventListener("pointerleave", () => {
      if (this.dragging) return;
      this.hovering = false;
      this.moveTo(...this.pinned);  // back to the point last picked
    });
    c.addEventListener("keydown", (e) => {
      const step = (this.range[0][1] - this.range[0][0]) / 100;
      const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      if (!moves[e.key]) return;
      e.preventDefault();
      const [a, b] = this.dims;
      this.moveTo(this.z[a] + moves[e.key][0], this.z[b] + moves[e.key][1]);
    });
    c.addEventListener("keyup", (e) => { if (e.key.startsWith("Arrow")) this.pin(); });
    this.resize = new ResizeObserver(() => { this.sized = false; this.schedule(); });
    this.resize.observe(c);
  }

  loadScene(data) {
    this.points = data.points;
    this.palette = data.palette || [];
    this.circles = data.circles;
    this.background = null;
    if (data.background) {
      const image = new Image();
      image.onload = () => { this.background = image; this.sized = false; this.schedule(); };
      image.src = data.background;
    }
    this.sized = false;
  }

  /** Pixels of the pad (CSS) <-> latent values; the second axis points up. */
  toLatent(px, py, width, height) {
    const [[x0, x1], [y0, y1]] = this.range;
    return [x0 + (px / width) * (x1 - x0), y1 - (py / height) * (y1 - y0)];
  }

  toPixels(x, y, width, height) {
    const [[x0, x1], [y0, y1]] = this.range;
    return [((x - x0) / (x1 - x0)) * width, ((y1 - y) / (y1 - y0)) * height];
  }

  point(e) {
    const box = this.canvas.getBoundingClientRect();
    const [x, y] = this.toLatent(e.clientX - box.left, e.clientY - box.top, box.width, box.height);
    this.hovering = true;
    this.moveTo(x, y);
  }

  moveTo(x, y) {
    const [[x0, x1], [y0, y1]] = this.range;
    this.z[this.dims[0]] = Math.min(Math.max(x, x0), x1);
    this.z[this.dims[1]] = Math.min(Math.max(y, y0), y1);
    this.canvas.setAttribute("aria-valuetext", this.coordinates());
    this.schedule();
  }

  pin() {
    const [a, b] = this.dims;
    this.z[a] = round2(this.z[a]);
    this.z[b] = round2(this.z[b]);
    this.pinned = [this.z[a], this.z[b]];
    this.schedule();
    this.send("z", { z: Array.from(this.z, round2), seq: stamp() });
  }

  coordinates() {
    const [a, b] = this.dims;
    return `(${signed(this.z[a])}, ${signed(this.z[b])})`;
  }

  /** Background, points and the prior's circles, drawn once per size into an offscreen canvas. */
  drawStatic(width, height, ratio) {
    const s = this.static;
    s.width = Math.round(width * ratio);
    s.height = Math.round(height * ratio);
    const g = s.getContext("2d");
    g.scale(ratio, ratio);
    const style = getComputedStyle(this.canvas);
    g.fillStyle = style.getPropertyValue("--vl-pad-background") || "#f0f2f6";
    g.fillRect(0, 0, width, height);
    if (this.background) {
      g.imageSmoothingEnabled = true;  // a backdrop: smooth beats uneven nearest-neighbour columns
      g.imageSmoothingQuality = "high";
      g.globalAlpha = this.points ? 0.55 : 1;  // dimmed under dots, so both stay readable
      g.drawImage(this.background, 0, 0, width, height);
      g.globalAlpha = 1;
    }
    const [ox, oy] = this.toPixels(0, 0, width, height);
    const [ux] = this.toPixels(1, 0, width, height);
    const unit = ux - ox;
    g.strokeStyle = "rgba(128, 132, 149, 0.6)";
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(ox, 0); g.lineTo(ox, height); g.moveTo(0, oy); g.lineTo(width, oy);
    g.stroke();
    // The axes' names at the ends of the zero lines, on a light backing so they read over anything.
    g.font = `13px ${style.getPropertyValue("--st-font") || "sans-serif"}`;
    g.textBaseline = "middle";
    const label = (text, x, y, align) => {
      g.textAlign = align;
      const w = g.measureText(text).width;
      const left = align === "right" ? x - w : x;
      g.fillStyle = "rgba(255, 255, 255, 0.8)";
      g.fillRect(left - 3, y - 9, w + 6, 18);
      g.fillStyle = "#31333f";
      g.fillText(text, x, y);
    };
    label(`${this.axes[0]} →`, width - 6, Math.min(Math.max(oy, 12), height - 12) - 14, "right");
    label(`↑ ${this.axes[1]}`, Math.min(Math.max(ox, 6), width - 80) + 6, 14, "left");
    if (this.circles) {
      g.strokeStyle = "rgba(228, 87, 86, 0.8)";
      g.lineWidth = 1.5;
      for (const [r, dash] of [[1, []], [2, [5, 4]]]) {
        g.setLineDash(dash);
        g.beginPath();
        g.arc(ox, oy, r * unit, 0, 2 * Math.PI);
        g.stroke();
      }
      g.setLineDash([]);
    }
    if (this.points) {
      const { x, y, c } = this.points;
      const radius = x.length > 1500 ? 2.5 : 3.5;
      g.lineWidth = 0.8;
      g.strokeStyle = "rgba(255, 255, 255, 0.9)";
      for (let i = 0; i < x.length; i++) {
        const [px, py] = this.toPixels(x[i], y[i], width, height);
        g.fillStyle = c ? this.palette[c[i] % this.palette.length] : "#ff4b4b";
        g.beginPath();
        g.arc(px, py, radius, 0, 2 * Math.PI);
        g.fill();
        if (this.background) g.stroke();
      }
    }
  }

  draw() {
    const box = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (!this.sized && box.width > 0) {
      this.canvas.width = Math.round(box.width * ratio);
      this.canvas.height = Math.round(box.height * ratio);
      this.drawStatic(box.width, box.height, ratio);
      this.sized = true;
    }
    const g = this.ctx;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.drawImage(this.static, 0, 0);
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const [a, b] = this.dims;
    const [px, py] = this.toPixels(this.z[a], this.z[b], box.width, box.height);
    const [qx, qy] = this.toPixels(this.pinned[0], this.pinned[1], box.width, box.height);
    g.strokeStyle = "#111";
    g.lineWidth = 2.5;
    g.beginPath();
    g.arc(qx, qy, 8, 0, 2 * Math.PI);
    g.stroke();
    g.strokeStyle = "rgba(255, 75, 75, 0.95)";
    g.lineWidth = 1.5;
    g.beginPath();
    g.moveTo(px - 12, py); g.lineTo(px + 12, py); g.moveTo(px, py - 12); g.lineTo(px, py + 12);
    g.stroke();
    this.decoder.decode(this.z, this.y);
    this.picture.show(this.decoder);
    this.readout.textContent = this.coordinates();
  }
}

/** Straight (lerp) and spherical (slerp) paths between two codes, at a t the user drags. */
class PathView extends View {
  update(data) {
    this.name = data.name;
    this.y = data.y;
    this.z0 = Float64Array.from(data.z0);
    this.z1 = Float64Array.from(data.z1);
    this.z = new Float64Array(this.z0.length);
    const layout = JSON.stringify([data.text, data.ends]);
    if (layout !== this.layout) {
      this.layout = layout;
      this.build(data);
    }
    this.takeRevision(data, () => { if (!this.holding) this.setT(data.t); });
    this.useModel(data.model);
    this.schedule();
  }

  build(data) {
    this.root.replaceChildren();
    this.root.className = "vl vl-path";
    const row = el("div", "vl-path-row", this.root);
    const end = (uri, caption) => {
      const figure = el("figure", "vl-figure vl-end", row);
      const image = el("img", "vl-end-image", figure);
      image.src = uri;
      image.alt = caption;
      el("figcaption", "vl-caption", figure, caption);
    };
    end(data.ends[0], data.text.a);
    this.lerp = new Picture(row, data.text.lerp);
    this.slerp = new Picture(row, data.text.slerp);
    this.lerp.canvas.setAttribute("aria-label", data.text.lerp);
    this.slerp.canvas.setAttribute("aria-label", data.text.slerp);
    end(data.ends[1], data.text.b);
    const control = el("label", "vl-slider vl-t", this.root);
    const head = el("div", "vl-slider-head", control);
    el("span", "vl-slider-name", head, data.text.t);
    this.value = el("span", "vl-slider-value", head);
    this.input = el("input", "vl-range", control);
    Object.assign(this.input, { type: "range", min: "0", max: "1", step: "0.01" });
    this.input.setAttribute("aria-label", data.text.t);
    this.input.addEventListener("pointerdown", () => { this.holding = true; });
    this.input.addEventListener("input", () => { this.t = Number(this.input.value); this.show(); this.schedule(); });
    this.input.addEventListener("change", () => {
      this.holding = false;
      this.send("t", { t: round2(this.t), seq: stamp() });
    });
    this.setT(this.t ?? data.t);
  }

  setT(t) {
    this.t = t;
    this.input.value = String(t);
    this.show();
    this.schedule();
  }

  show() {
    this.value.textContent = this.t.toFixed(2);
    this.input.setAttribute("aria-valuetext", this.t.toFixed(2));
  }

  /** vae.latent.slerp at one t: the same clamp and the same fallback to lerp for (anti)parallel codes. */
  slerpInto(t) {
    const a = this.z0, b = this.z1, z = this.z;
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    const cos = dot / Math.max(Math.sqrt(na) * Math.sqrt(nb), 1e-8);
    const omega = Math.acos(Math.min(Math.max(cos, -1 + 1e-6), 1 - 1e-6));
    if (Math.abs(omega) < 1e-4 || Math.abs(Math.PI - omega) < 1e-4) return this.lerpInto(t);
    const s = Math.sin(omega), wa = Math.sin((1 - t) * omega) / s, wb = Math.sin(t * omega) / s;
    for (let i = 0; i < a.length; i++) z[i] = wa * a[i] + wb * b[i];
    return z;
  }

  lerpInto(t) {
    for (let i = 0; i < this.z.length; i++) this.z[i] = (1 - t) * this.z0[i] + t * this.z1[i];
    return this.z;
  }

  draw() {
    this.decoder.decode(this.lerpInto(this.t), this.y);
    this.lerp.show(this.decoder);
    this.decoder.decode(this.slerpInto(this.t), this.y);
    this.slerp.show(this.decoder);
  }
}

/** Reports the width of the column it sits in, so Python can size pictures for this screen. */
class WidthProbe {
  constructor(root) {
    this.root = root;
    this.root.className = "vl-probe";
    this.timer = null;
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(root);
  }

  update(data) {
    this.known = data.known;
    this.tolerance = data.tolerance;
    this.measure();
  }

  measure() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const width = Math.round(this.root.getBoundingClientRect().width);
      if (width > 0 && (this.known == null || Math.abs(width - this.known) >= this.tolerance)) {
        this.known = width;
        this.send("width", width);
      }
    }, 150);
  }

  destroy() {
    clearTimeout(this.timer);
    this.resize.disconnect();
    this.root.remove();
  }
}

const VIEWS = { sliders: SlidersView, pad: PadView, path: PathView, width: WidthProbe };

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
