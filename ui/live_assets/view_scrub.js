/** Pictures the server decoded in advance, one per value of one latent number (PNG data URIs at the
    model's own size, enlarged by CSS with crisp pixels): a range input and a play button step through
    them in the page, with no decoder and no call back to Python. A rerun with new pictures (the code
    moved) keeps the position the user scrubbed to. */
const SCRUB_FRAME_MS = 60;  // a full sweep of 41 pictures plays in about 2.5 s each way

class ScrubView {
  constructor(root) {
    this.root = root;
    this.index = null;
    this.timer = null;
    this.direction = 1;
    this.send = () => {};
  }

  update(data) {
    this.name = data.name;
    this.text = data.text;
    const layout = JSON.stringify([data.values.length, data.text]);
    if (layout !== this.layout) {
      this.layout = layout;
      this.build(data);
    }
    this.frames = data.frames;
    this.values = data.values;
    this.prefix = data.prefix;
    if (this.index === null || this.index >= this.frames.length) this.index = data.active;
    this.show();
  }

  build(data) {
    this.stop();
    this.root.replaceChildren();
    this.root.className = "vl vl-scrub";
    const figure = el("figure", "vl-figure", this.root);
    this.image = el("img", "vl-picture vl-scrub-image", figure);
    this.caption = el("figcaption", "vl-caption vl-scrub-value", figure);
    const controls = el("div", "vl-scrub-controls", this.root);
    this.button = el("button", "vl-button vl-play", controls, data.text.play);
    this.button.type = "button";
    this.button.addEventListener("click", () => (this.timer === null ? this.start() : this.stop()));
    this.input = el("input", "vl-range", controls);
    Object.assign(this.input, { type: "range", min: "0", max: String(data.values.length - 1), step: "1" });
    this.input.setAttribute("aria-label", data.text.label);
    this.input.addEventListener("input", () => {
      this.stop();
      this.index = Number(this.input.value);
      this.show();
    });
  }

  show() {
    const value = this.prefix + signed(this.values[this.index]);
    this.image.src = this.frames[this.index];
    this.image.alt = value;
    this.caption.textContent = value;
    this.input.value = String(this.index);
    this.input.setAttribute("aria-valuetext", value);
  }

  /** Play forward to the last picture, back to the first, and so on, until paused or scrubbed. */
  start() {
    this.button.textContent = this.text.pause;
    this.timer = setInterval(() => {
      const last = this.frames.length - 1;
      if (this.index + this.direction < 0 || this.index + this.direction > last) this.direction = -this.direction;
      this.index = Math.min(last, Math.max(0, this.index + this.direction));
      this.show();
    }, SCRUB_FRAME_MS);
  }

  stop() {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.button.textContent = this.text.play;
  }

  destroy() {
    this.stop();
    this.root.remove();
  }
}
