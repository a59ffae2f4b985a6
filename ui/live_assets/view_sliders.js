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
      // The page's limits when it gives them (the same for every number, so the thumb's place shows the value).
      input.min = String(round2(dim.min ?? data.base[dim.d] - data.span));
      input.max = String(round2(dim.max ?? data.base[dim.d] + data.span));
      const limits = el("div", "vl-slider-limits", row);
      limits.style.cssText = "display:flex;justify-content:space-between;font-size:0.8em;opacity:0.7";
      el("span", "vl-slider-min", limits, Number(input.min).toFixed(1));
      el("span", "vl-slider-max", limits, Number(input.max).toFixed(1));
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
