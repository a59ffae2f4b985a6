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
