/* The page-wide registry that the weights component fills and the views read: one decoder per model id.
   Both component modules start with this file, so whichever runs first creates it. */
const vaeLive = (globalThis.__vaeLive ??= (() => {
  const decoders = new Map();  // model id -> decoder, most recently used last
  const waiting = new Map();  // model id -> resolve functions of views that asked before it arrived
  const KEEP = 6;  // decoders kept after the user moves on to other models (a few MB each at most)
  return {
    fetching: new Set(),  // model ids whose weights are on their way (weights.js)
    // A media path ("/media/x.bin") relative to the page, so that a server under a base path (a proxy's /vae/)
    // serves it too.
    url: (path) => new URL(path.replace(/^\//, ""), document.baseURI).href,
    has(id) { return decoders.has(id); },
    put(id, decoder) {
      decoders.delete(id);
      decoders.set(id, decoder);
      while (decoders.size > KEEP) decoders.delete(decoders.keys().next().value);
      for (const resolve of waiting.get(id) || []) resolve(decoder);
      waiting.delete(id);
    },
    get(id) {
      if (decoders.has(id)) return Promise.resolve(decoders.get(id));
      return new Promise((resolve) => {
        if (!waiting.has(id)) waiting.set(id, []);
        waiting.get(id).push(resolve);
      });
    },
    // Every drawn frame as [start ms, decode + paint ms, view name]: what benchmarks/live_decode.py reads.
    frames: [],
    record(start, ms, name) {
      if (this.frames.length >= 20000) this.frames.splice(0, 10000);
      this.frames.push([start, ms, name]);
    },
  };
})());
