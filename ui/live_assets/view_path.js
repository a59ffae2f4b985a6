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
