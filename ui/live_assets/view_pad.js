/* The dots' files (ui/live.py pack_points): every dimension's codes of one model's test pictures, fetched once
   per page and kept by URL, so a rerun or a change of axes sends nothing big. */
const PAD_POINTS_KEPT = 8;  // files kept after the user moves on to other models (~40-100 KB each)
const padPoints = new Map();  // absolute URL -> Promise of the file's contents (readPoints)

/** The file at a media path -> {n, d, scale, codes: Int16Array (n, d) × scale, labels: Uint16Array (n) or null}. */
function readPoints(path) {
  const url = vaeLive.url(path);
  if (!padPoints.has(url)) {
    padPoints.set(url, fetch(url).then((response) => {
      if (!response.ok) throw new Error(`HTTP ${response.status} for ${path}`);
      return response.arrayBuffer();
    }).then((buffer) => {
      const [n, d, labelled, scale] = new Uint32Array(buffer, 4, 4), start = 20 + 2 * n * d;
      const magic = new TextDecoder().decode(new Uint8Array(buffer, 0, 4));
      if (magic !== "VAEP" || buffer.byteLength !== start + (labelled ? 2 * n : 0)) {
        throw new Error(`${path}: not a dots file`);
      }
      const labels = labelled ? new Uint16Array(buffer, start, n) : null;
      return { n, d, scale, codes: new Int16Array(buffer, 20, n * d), labels };
    }).catch((error) => { padPoints.delete(url); throw error; }));
    while (padPoints.size > PAD_POINTS_KEPT) padPoints.delete(padPoints.keys().next().value);
  }
  return padPoints.get(url);
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
    const scene = (this.sceneToken = {});  // a newer scene (or other axes) wins over a file still on its way
    this.points = data.points?.url ? null : data.points;
    if (data.points?.url) {
      const [a, b] = this.dims;
      readPoints(data.points.url).then(({ n, d, scale, codes, labels }) => {
        if (this.sceneToken !== scene) return;
        const x = new Float32Array(n), y = new Float32Array(n);
        for (let i = 0; i < n; i++) { x[i] = codes[i * d + a] / scale; y[i] = codes[i * d + b] / scale; }
        this.points = { x, y, c: labels };
        this.sized = false;
        this.schedule();
      }).catch((error) => console.error("live pad dots:", error));
    }
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
    this.canvas.dataset.points = String(this.points ? this.points.x.length : 0);  // lets tests see the dots drawn
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
