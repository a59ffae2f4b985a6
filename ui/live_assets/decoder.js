/* The decoder interpreter: runs the layer list that vae/decoder_export.py writes, on one code at a
   time, in preallocated buffers. Its NumPy twin, vae.decoder_export.reference_decode, is the
   specification; tests/test_browser_live.py checks both against PyTorch.

   Activations live in Float64Array buffers (JavaScript computes in doubles anyway, and storing
   doubles avoids a rounding per value); weights are float32, widened once at load when they were
   shipped as float16 (every float16 value is exactly a float32 one). */

/** IEEE 754 binary16 bits -> its value (exact in a double, and in a float32). */
function vaeHalfToFloat(bits) {
  const sign = bits & 0x8000 ? -1 : 1, exponent = (bits >> 10) & 0x1f, fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;  // zero and the subnormals: fraction × 2^-14 / 1024
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);  // (1 + fraction / 1024) × 2^(exponent - 15)
}

/** Packed bytes (Uint8Array, any byte offset) -> {header, weights: Float32Array}. */
function vaeParsePacked(bytes) {
  if (bytes.byteLength < 8 || String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]) !== "VAEL") {
    throw new Error("not a packed decoder");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const start = 8 + length + ((4 - ((8 + length) % 4)) % 4);
  const itemSize = { float32: 4, float16: 2 }[header.dtype];
  if (header.version !== 2 || !itemSize || bytes.byteLength - start !== itemSize * header.floats) {
    throw new Error("packed decoder has another version, an unknown dtype or a truncated weight buffer");
  }
  const weights = new Float32Array(header.floats);
  if (itemSize === 4) {
    // A copy: the message's bytes may start at an offset a Float32Array cannot view.
    new Uint8Array(weights.buffer).set(bytes.subarray(start, start + 4 * header.floats));
  } else {
    for (let i = 0; i < header.floats; i++) weights[i] = vaeHalfToFloat(view.getUint16(start + 2 * i, true));
  }
  return { header, weights };
}

/** y = W x + b with W (out, in) row-major. ReLU leaves many inputs at exactly 0: those columns are
    skipped by first gathering the non-zero inputs (idx, val). */
function vaeLinear(x, nIn, y, nOut, w, b, idx, val) {
  let m = 0;
  for (let i = 0; i < nIn; i++) {
    const v = x[i];
    if (v !== 0) { idx[m] = i; val[m] = v; m++; }
  }
  for (let o = 0; o < nOut; o++) {
    const row = o * nIn;
    let s = b[o];
    for (let j = 0; j < m; j++) s += w[row + idx[j]] * val[j];
    y[o] = s;
  }
}

/** Transposed convolution as a scatter: each non-zero input pixel adds its kernel, scaled, into the
    output. The output is channels-last (OH, OW, Co) so that the innermost loop runs over the output
    channels, contiguous in both the output and the weights rearranged as wT (Ci, kh, kw, Co); the
    input is (Ci, H, W), or (H, W, Ci) when hwc (the previous layer was one of these). */
function vaeConvTranspose(x, hwc, y, L, wT, b) {
  const [ci, co, kh, kw] = [L.in_c, L.out_c, L.k[0], L.k[1]];
  const [sh, sw, ph, pw] = [L.stride[0], L.stride[1], L.pad[0], L.pad[1]];
  const [h, wd] = L.in_hw;
  const [oh, ow] = L.out_hw;
  for (let p = 0, end = oh * ow * co; p < end; p += co) for (let o = 0; o < co; o++) y[p + o] = b[o];
  for (let iy = 0; iy < h; iy++) {
    const oy0 = iy * sh - ph;
    const kyLo = Math.max(0, -oy0), kyHi = Math.min(kh, oh - oy0);
    for (let ix = 0; ix < wd; ix++) {
      const ox0 = ix * sw - pw;
      const kxLo = Math.max(0, -ox0), kxHi = Math.min(kw, ow - ox0);
      for (let c = 0; c < ci; c++) {
        const v = hwc ? x[(iy * wd + ix) * ci + c] : x[(c * h + iy) * wd + ix];
        if (v === 0) continue;  // most inputs after a ReLU
        // For one kernel row, the valid kx taps hit neighbouring output pixels: in channels-last order
        // that is one contiguous run of the output, as long as the run of weights it adds.
        const run = (kxHi - kxLo) * co;
        for (let ky = kyLo; ky < kyHi; ky++) {
          const out = ((oy0 + ky) * ow + ox0 + kxLo) * co, wBase = ((c * kh + ky) * kw + kxLo) * co;
          for (let j = 0; j < run; j++) y[out + j] += v * wT[wBase + j];
        }
      }
    }
  }
}

/** Channels-last (H, W, C) -> (C, H, W). */
function vaeToCHW(x, y, c, h, w) {
  for (let p = 0, plane = h * w; p < plane; p++) for (let k = 0; k < c; k++) y[k * plane + p] = x[p * c + k];
}

/** Convolution with zero padding. x (Ci, H, W), w (Co, Ci, kh, kw) -> y (Co, OH, OW). */
function vaeConv(x, y, L, w, b) {
  const [ci, co, kh, kw] = [L.in_c, L.out_c, L.k[0], L.k[1]];
  const [sh, sw, ph, pw] = [L.stride[0], L.stride[1], L.pad[0], L.pad[1]];
  const [h, wd] = L.in_hw;
  const [oh, ow] = L.out_hw;
  for (let o = 0; o < co; o++) {
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - ph;
      const kyLo = Math.max(0, -iy0), kyHi = Math.min(kh, h - iy0);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pw;
        const kxLo = Math.max(0, -ix0), kxHi = Math.min(kw, wd - ix0);
        let s = b[o];
        for (let c = 0; c < ci; c++) {
          const wBase = (o * ci + c) * kh * kw, xBase = c * h * wd;
          for (let ky = kyLo; ky < kyHi; ky++) {
            const xrow = xBase + (iy0 + ky) * wd + ix0, wrow = wBase + ky * kw;
            for (let kx = kxLo; kx < kxHi; kx++) s += x[xrow + kx] * w[wrow + kx];
          }
        }
        y[(o * oh + oy) * ow + ox] = s;
      }
    }
  }
}

/** ConvTranspose2d weights (Ci, Co, kh, kw) -> (Ci, kh, kw, Co). */
function vaeChannelsLast(w, L) {
  const [ci, co, kh, kw] = [L.in_c, L.out_c, L.k[0], L.k[1]];
  const out = new Float32Array(w.length);
  for (let c = 0; c < ci; c++)
    for (let o = 0; o < co; o++)
      for (let k = 0; k < kh * kw; k++) out[(c * kh * kw + k) * co + o] = w[(c * co + o) * kh * kw + k];
  return out;
}

class VaeDecoder {
  /** header and weights as vaeParsePacked returns them. Throws on a layer it does not know, so the
      view can say so instead of drawing nonsense. */
  constructor(header, weights) {
    this.id = header.id;
    this.latentDim = header.latent_dim;
    this.numClasses = header.num_classes;
    this.shape = header.output_shape;  // [C, H, W]
    this.sigmoid = header.output === "sigmoid";
    this.steps = [];
    let size = this.latentDim + this.numClasses;
    let largest = size;
    for (const L of header.layers) {
      const step = { op: L.op, L, inSize: size };
      if (L.op === "linear") {
        step.w = weights.subarray(L.w, L.w + L.in * L.out);
        step.b = weights.subarray(L.b, L.b + L.out);
        size = L.out;
      } else if (L.op === "conv2d" || L.op === "conv_transpose2d") {
        step.w = weights.subarray(L.w, L.w + L.in_c * L.out_c * L.k[0] * L.k[1]);
        step.b = weights.subarray(L.b, L.b + L.out_c);
        if (L.op === "conv_transpose2d") step.w = vaeChannelsLast(step.w, L);
        size = L.out_c * L.out_hw[0] * L.out_hw[1];
      } else if (L.op === "reshape") {
        size = L.shape.reduce((a, v) => a * v, 1);
      } else if (!["relu", "leaky_relu", "sigmoid", "tanh"].includes(L.op)) {
        throw new Error(`unknown layer ${L.op}`);
      }
      step.outSize = size;
      largest = Math.max(largest, size);
      this.steps.push(step);
    }
    this.size = this.shape[0] * this.shape[1] * this.shape[2];
    if (size !== this.size) throw new Error("the layers do not end at the picture's size");
    this.a = new Float64Array(largest);
    this.b = new Float64Array(largest);
    this.idx = new Int32Array(largest);
    this.val = new Float64Array(largest);
    this.out = new Float32Array(this.size);  // the last picture, (C, H, W) in [0, 1]
  }

  /** z (length D, any array-like) and a class (a conditional model) -> this.out, overwritten by the next call. */
  decode(z, y) {
    let x = this.a, spare = this.b;
    let hwc = null;  // [C, H, W] while the activation is channels-last (after a transposed convolution)
    const planar = () => {  // back to (C, H, W) for the layers that read that order
      if (hwc && hwc[0] > 1) {
        vaeToCHW(x, spare, ...hwc);
        [x, spare] = [spare, x];
      }
      hwc = null;
    };
    const d = this.latentDim;
    for (let i = 0; i < d; i++) x[i] = z[i];
    for (let k = 0; k < this.numClasses; k++) x[d + k] = k === y ? 1 : 0;
    for (const s of this.steps) {
      const L = s.L;
      switch (s.op) {
        case "linear":
          planar();
          vaeLinear(x, L.in, spare, L.out, s.w, s.b, this.idx, this.val);
          [x, spare] = [spare, x];
          break;
        case "conv_transpose2d":
          vaeConvTranspose(x, hwc !== null, spare, L, s.w, s.b);
          [x, spare] = [spare, x];
          hwc = [L.out_c, ...L.out_hw];
          break;
        case "conv2d":
          planar();
          vaeConv(x, spare, L, s.w, s.b);
          [x, spare] = [spare, x];
          break;
        case "reshape":
          planar();
          break;
        case "relu":
          for (let i = 0; i < s.outSize; i++) if (x[i] < 0) x[i] = 0;
          break;
        case "leaky_relu":
          for (let i = 0; i < s.outSize; i++) if (x[i] < 0) x[i] *= L.slope;
          break;
        case "sigmoid":
          for (let i = 0; i < s.outSize; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
          break;
        case "tanh":
          for (let i = 0; i < s.outSize; i++) x[i] = Math.tanh(x[i]);
          break;
        default:
      }
    }
    planar();
    const out = this.out;
    if (this.sigmoid) for (let i = 0; i < this.size; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
    else for (let i = 0; i < this.size; i++) out[i] = Math.min(Math.max(x[i], 0), 1);
    return out;
  }

  /** The last picture into an ImageData of the picture's size (RGBA, gray repeated). A
      Uint8ClampedArray rounds half to even, as torch.round does for the server's pictures. */
  paint(image) {
    const [c, h, w] = this.shape, plane = h * w, out = this.out, px = image.data;
    const g = c === 3 ? plane : 0, b = c === 3 ? 2 * plane : 0;
    for (let i = 0; i < plane; i++) {
      px[4 * i] = out[i] * 255;
      px[4 * i + 1] = out[g + i] * 255;
      px[4 * i + 2] = out[b + i] * 255;
      px[4 * i + 3] = 255;
    }
  }
}
