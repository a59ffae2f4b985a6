/** Reports the width of the column it sits in, so Python can size pictures for this screen. */
class WidthProbe {
  constructor(root) {
    this.root = root;
    this.root.className = "vl-probe";
    this.timer = null;
    this.bornAt = performance.now();
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(root);
  }

  update(data) {
    this.known = data.known;
    this.tolerance = data.tolerance;
    WidthProbe.shownOn = location.pathname;
    this.measure();
  }

  measure() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (WidthProbe.leftAt > this.bornAt) return;  // its page was left: the next page draws its own
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

// When the browser last set off for another page of the app: a click on a link to another of its addresses
// (not a download, not a new tab), or back/forward to another page. A probe born before then keeps quiet for
// the rest of its life. A width it sent would rerun a fragment of the page being left, and Streamlit runs that
// after the new page's run, under the old page's name: the new page comes out blank. The address changes only
// when the server answers, too late to tell; the layout does shift meanwhile, the old page's elements can be
// drawn again (so a probe's own update() cannot mark its page), and a busy browser runs a pending measurement
// after the click it queued behind.
WidthProbe.leftAt = -Infinity;
WidthProbe.leave = () => { WidthProbe.leftAt = performance.now(); };
addEventListener("click", (event) => {
  const link = event.target.closest?.("a[href]");
  if (!link || link.hasAttribute("download") || (link.target && link.target !== "_self")) return;
  const to = new URL(link.href);
  if (to.origin === location.origin && to.pathname !== location.pathname) WidthProbe.leave();
}, true);
// The address has changed already here; a page's own history (its query string) does not count.
addEventListener("popstate", () => location.pathname !== WidthProbe.shownOn && WidthProbe.leave());
