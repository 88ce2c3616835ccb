// QR codes in image attachments ("quishing": the lure is a QR code, so no URL is in the text).
// PNG through pngjs, JPEG through jpeg-js, decoding through jsQR; all pure JS, nothing fetched.
//
// Images are attacker-controlled and compress extremely well (a 50 kB PNG can claim 30000 x 30000
// pixels), so the dimensions are read from the header first and an image over the pixel limit is
// never decoded. jsQR's cost is linear in pixels; the per-report pixel budget bounds the total.

import { decode as decodeJpeg } from 'jpeg-js';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is a UMD bundle whose module.exports carries the function as `default` too; under Node (and
// vitest with interopDefault: false) the default import is module.exports, so take `.default`.
const jsQR = jsQRModule.default;

export const QR_LIMITS = {
  /** One image larger than this (width x height) is not decoded at all (decompression bombs). */
  maxPixels: 4_000_000,
  /** Larger images are scaled down to about this many pixels before the QR search. */
  scanPixels: 1_000_000,
  /** Images up to this size are also searched for inverted (light on dark) codes. */
  invertPixels: 250_000,
  /** Pixels decoded per report, all images together. */
  budgetPixels: 8_000_000,
  /** Images with a side shorter than this (tracking pixels, icons, thin banners) are skipped. */
  minSide: 40,
  /** Image files larger than this are not decoded. */
  maxBytes: 10 * 1024 * 1024,
};

export type ImageKind = 'png' | 'jpeg';

export function imageKind(buf: Uint8Array): ImageKind | undefined {
  if (buf.length >= 24 && buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47) return 'png';
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Width and height from the header alone (PNG IHDR, JPEG SOFn), without decoding pixels. */
export function imageSize(buf: Buffer, kind: ImageKind): { width: number; height: number } | undefined {
  if (kind === 'png') {
    if (buf.length < 24 || buf.toString('latin1', 12, 16) !== 'IHDR') return undefined;
    return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
  }
  let p = 2;
  while (p + 9 < buf.length) {
    if (buf[p] !== 0xff) return undefined;
    const marker = buf[p + 1] as number;
    if (marker === 0xff) {
      p++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const len = buf.readUInt16BE(p + 2);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: buf.readUInt16BE(p + 5), width: buf.readUInt16BE(p + 7) };
    }
    if (len < 2) return undefined;
    p += 2 + len;
  }
  return undefined;
}

export type QrOutcome =
  | { status: 'found'; text: string; pixels: number }
  | { status: 'none'; pixels: number }
  | { status: 'skipped'; reason: 'too-large' | 'too-small' | 'over-budget' | 'unreadable'; pixels: number };

/** Decode the QR code in one PNG or JPEG, within `pixelsLeft`. Never throws. */
export function scanQr(buf: Buffer, kind: ImageKind, pixelsLeft: number): QrOutcome {
  const size = imageSize(buf, kind);
  if (!size) return { status: 'skipped', reason: 'unreadable', pixels: 0 };
  const pixels = size.width * size.height;
  if (size.width < QR_LIMITS.minSide || size.height < QR_LIMITS.minSide) return { status: 'skipped', reason: 'too-small', pixels: 0 };
  if (pixels > QR_LIMITS.maxPixels || buf.length > QR_LIMITS.maxBytes) return { status: 'skipped', reason: 'too-large', pixels: 0 };
  if (pixels > pixelsLeft) return { status: 'skipped', reason: 'over-budget', pixels: 0 };
  let img: { data: Uint8Array; width: number; height: number };
  let channels: number;
  try {
    if (kind === 'png') {
      img = PNG.sync.read(buf);
      channels = 4;
    } else {
      // jpeg-js checks its own limits too (a lying header must not get past them either)
      img = decodeJpeg(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: QR_LIMITS.maxPixels / 1e6, maxMemoryUsageInMB: 64 });
      channels = 3;
    }
  } catch {
    return { status: 'skipped', reason: 'unreadable', pixels };
  }
  if (img.width * img.height > QR_LIMITS.maxPixels || img.data.length < img.width * img.height * channels) {
    return { status: 'skipped', reason: 'unreadable', pixels };
  }
  const scan = grey(img.data, channels, img.width, img.height, QR_LIMITS.scanPixels);
  // jsQR's search costs 100-200 ns per pixel; the finder-pattern check below costs a tenth of that
  // and rules out the logos, photos and banners that make up nearly all mail images.
  // Inverted codes (light on dark) are a known evasion, but looking for them doubles the cost: they
  // are looked for in small images, which is what a QR-only lure image is.
  const inverted = scan.width * scan.height <= QR_LIMITS.invertPixels;
  // jsQR then searches only the regions where the check found a code, not the whole image.
  for (const r of findQrRegions(scan.data, scan.width, scan.height, inverted)) {
    const crop = greyToRgba(scan.data, scan.width, r);
    let code: ReturnType<typeof jsQR>;
    try {
      // not 'onlyInvert': jsqr 1.4.0 throws on it (it never builds the inverted matrix)
      code = jsQR(crop, r.x1 - r.x0, r.y1 - r.y0, { inversionAttempts: r.inverted ? 'invertFirst' : 'dontInvert' });
    } catch {
      continue;
    }
    if (code?.data) return { status: 'found', text: code.data, pixels };
  }
  return { status: 'none', pixels };
}

/**
 * Grey levels of an RGB(A) image, scaled down by an integer factor (box average) until it has at
 * most `maxPixels`. The QR search costs time in proportion to pixels; a code whose modules are 3 px
 * or more survives a halving, and the codes of real lures are drawn far larger than that.
 */
export function grey(data: Uint8Array, channels: number, width: number, height: number, maxPixels: number): { data: Uint8Array; width: number; height: number } {
  const f = Math.max(1, Math.ceil(Math.sqrt((width * height) / maxPixels)));
  const w = Math.floor(width / f);
  const h = Math.floor(height / f);
  const out = new Uint8Array(w * h);
  const n = f * f;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let dy = 0; dy < f; dy++) {
        let i = ((y * f + dy) * width + x * f) * channels;
        for (let dx = 0; dx < f; dx++, i += channels) {
          // integer Rec. 601 luma, as jsQR computes it
          sum += ((data[i] as number) * 77 + (data[i + 1] as number) * 150 + (data[i + 2] as number) * 29) >> 8;
        }
      }
      out[y * w + x] = n === 1 ? sum : Math.round(sum / n);
    }
  }
  return { data: out, width: w, height: h };
}

/** One region of a grey image as RGBA, for jsQR. */
function greyToRgba(g: Uint8Array, width: number, r: Omit<QrRegion, 'inverted'>): Uint8ClampedArray {
  const w = r.x1 - r.x0;
  const out = new Uint8ClampedArray(w * (r.y1 - r.y0) * 4);
  let j = 0;
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++, j += 4) {
      const v = g[y * width + x] as number;
      out[j] = v;
      out[j + 1] = v;
      out[j + 2] = v;
      out[j + 3] = 255;
    }
  }
  return out;
}
// --- finder-pattern pre-check -------------------------------------------------------------------
// A QR code has three finder patterns: squares whose every cross-section reads dark, light, dark,
// light, dark in the proportions 1:1:3:1:1, at three corners of a square. The check binarizes the
// image as jsQR does (threshold from the mean of the surrounding 5 x 5 blocks of 8 x 8 pixels),
// finds 1:1:3:1:1 runs in rows, confirms each in its column, and answers true when three of them,
// of about the same module size, form a right isosceles triangle (text and photos have many
// 1:1:3:1:1 runs, rarely in that arrangement). Its tolerances are wider than jsQR's, so that it
// does not rule out an image that jsQR could decode.

const BLOCK = 8;
const MIN_DYNAMIC_RANGE = 24;

function binarize(lum: Uint8Array, w: number, h: number): Uint8Array {
  const bw = Math.ceil(w / BLOCK);
  const bh = Math.ceil(h / BLOCK);
  const mean = new Float32Array(bw * bh);
  for (let by = 0; by < bh; by++) {
    const y0 = by * BLOCK;
    const y1 = Math.min(h, y0 + BLOCK);
    for (let bx = 0; bx < bw; bx++) {
      const x0 = bx * BLOCK;
      const x1 = Math.min(w, x0 + BLOCK);
      let sum = 0;
      let min = 255;
      let max = 0;
      for (let y = y0; y < y1; y++) {
        const row = y * w;
        for (let x = x0; x < x1; x++) {
          const v = lum[row + x] as number;
          sum += v;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      // a flat block is background: its threshold sits below its darkest pixel
      mean[by * bw + bx] = max - min <= MIN_DYNAMIC_RANGE ? min / 2 : sum / ((y1 - y0) * (x1 - x0));
    }
  }
  const dark = new Uint8Array(w * h);
  for (let by = 0; by < bh; by++) {
    const y0 = by * BLOCK;
    const y1 = Math.min(h, y0 + BLOCK);
    for (let bx = 0; bx < bw; bx++) {
      let sum = 0;
      let n = 0;
      for (let y = Math.max(0, by - 2); y <= Math.min(bh - 1, by + 2); y++) {
        for (let x = Math.max(0, bx - 2); x <= Math.min(bw - 1, bx + 2); x++) {
          sum += mean[y * bw + x] as number;
          n++;
        }
      }
      const t = sum / n;
      const x0 = bx * BLOCK;
      const x1 = Math.min(w, x0 + BLOCK);
      for (let y = y0; y < y1; y++) {
        const row = y * w;
        for (let x = x0; x < x1; x++) dark[row + x] = (lum[row + x] as number) <= t ? 1 : 0;
      }
    }
  }
  return dark;
}

/** 1:1:3:1:1 within a generous tolerance (down-scaling blurs edges by a pixel). */
function finderRatio(c: readonly number[]): boolean {
  const total = c.reduce((a, b) => a + b, 0);
  if (total < 7) return false;
  const m = total / 7;
  const tol = Math.max(1.5, m * 0.75);
  return Math.abs((c[0] as number) - m) < tol && Math.abs((c[1] as number) - m) < tol && Math.abs((c[2] as number) - 3 * m) < 3 * tol && Math.abs((c[3] as number) - m) < tol && Math.abs((c[4] as number) - m) < tol;
}

/** Runs dark/light/dark/light/dark through (x, y) along the column, centred on the middle dark run. */
function verticalRuns(dark: Uint8Array, w: number, h: number, x: number, y: number, maxRun: number): number[] | undefined {
  const at = (yy: number): number => dark[yy * w + x] as number;
  if (!at(y)) return undefined;
  const c = [0, 0, 0, 0, 0];
  let yy = y;
  while (yy >= 0 && at(yy) && c[2]! <= maxRun) { c[2]!++; yy--; }
  while (yy >= 0 && !at(yy) && c[1]! <= maxRun) { c[1]!++; yy--; }
  while (yy >= 0 && at(yy) && c[0]! <= maxRun) { c[0]!++; yy--; }
  yy = y + 1;
  while (yy < h && at(yy) && c[2]! <= maxRun * 3) { c[2]!++; yy++; }
  while (yy < h && !at(yy) && c[3]! <= maxRun) { c[3]!++; yy++; }
  while (yy < h && at(yy) && c[4]! <= maxRun) { c[4]!++; yy++; }
  return c.every((v) => v > 0) ? c : undefined;
}

/** Length of the dark run going up from (x, y), (x, y) included. */
function upRun(dark: Uint8Array, w: number, x: number, y: number): number {
  let n = 0;
  for (let yy = y; yy >= 0 && dark[yy * w + x]; yy--) n++;
  return n;
}

/** Runs dark/light/dark/light/dark along the diagonal through (x, y) (down-right). */
function diagonalRuns(dark: Uint8Array, w: number, h: number, x: number, y: number, maxRun: number): number[] | undefined {
  const at = (t: number): number => {
    const xx = x + t;
    const yy = y + t;
    return xx < 0 || yy < 0 || xx >= w || yy >= h ? -1 : (dark[yy * w + xx] as number);
  };
  if (at(0) !== 1) return undefined;
  const c = [0, 0, 0, 0, 0];
  let t = 0;
  while (at(t) === 1 && c[2]! <= maxRun * 3) { c[2]!++; t--; }
  while (at(t) === 0 && c[1]! <= maxRun) { c[1]!++; t--; }
  while (at(t) === 1 && c[0]! <= maxRun) { c[0]!++; t--; }
  t = 1;
  while (at(t) === 1 && c[2]! <= maxRun * 3) { c[2]!++; t++; }
  while (at(t) === 0 && c[3]! <= maxRun) { c[3]!++; t++; }
  while (at(t) === 1 && c[4]! <= maxRun) { c[4]!++; t++; }
  return c.every((v) => v > 0) ? c : undefined;
}

/** A part of the image where three finder patterns stand in QR arrangement (pixel bounds, end exclusive). */
export interface QrRegion {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  /** Found in the inverted image (light on dark). */
  inverted: boolean;
}

const MAX_REGIONS = 3;

/** The regions of a grey image that look like QR codes; `inverted` also looks for light-on-dark ones. */
export function findQrRegions(lum: Uint8Array, w: number, h: number, inverted = false): QrRegion[] {
  if (w < QR_LIMITS.minSide || h < QR_LIMITS.minSide) return [];
  const dark = binarize(lum, w, h);
  const regions = findPatterns(dark, w, h).map((r) => ({ ...r, inverted: false }));
  if (inverted && regions.length === 0) {
    for (let i = 0; i < dark.length; i++) dark[i] = dark[i] ? 0 : 1;
    regions.push(...findPatterns(dark, w, h).map((r) => ({ ...r, inverted: true })));
  }
  return regions;
}

/** True when the grey image has three finder patterns in QR arrangement; `inverted` also tries light on dark. */
export function hasFinderPatterns(lum: Uint8Array, w: number, h: number, inverted = false): boolean {
  return findQrRegions(lum, w, h, inverted).length > 0;
}

interface Centre {
  x: number;
  y: number;
  size: number;
}

function findPatterns(dark: Uint8Array, w: number, h: number): Omit<QrRegion, 'inverted'>[] {
  const centres: Centre[] = [];
  const runs: number[] = [];
  for (let y = 0; y < h; y++) {
    runs.length = 0;
    const row = y * w;
    const first = dark[row] as number;
    let len = 0;
    let cur = first;
    for (let x = 0; x < w; x++) {
      const d = dark[row + x] as number;
      if (d === cur) len++;
      else {
        runs.push(len);
        cur = d;
        len = 1;
      }
    }
    runs.push(len);
    // runs alternate colour starting with `first`; windows must start on a dark run
    let x0 = 0;
    for (let i = 0; i + 4 < runs.length; i++) {
      const startsDark = (i % 2 === 0) === (first === 1);
      if (startsDark) {
        const c = [runs[i]!, runs[i + 1]!, runs[i + 2]!, runs[i + 3]!, runs[i + 4]!];
        if (finderRatio(c)) {
          const total = c[0]! + c[1]! + c[2]! + c[3]! + c[4]!;
          const cx = x0 + c[0]! + c[1]! + Math.floor(c[2]! / 2);
          const maxRun = Math.ceil(total / 7) * 3;
          const v = verticalRuns(dark, w, h, cx, y, maxRun);
          if (v && finderRatio(v)) {
            const vt = v[0]! + v[1]! + v[2]! + v[3]! + v[4]!;
            // the vertical centre of the middle run, then the diagonal through it
            const cy = y - (upRun(dark, w, cx, y) - 1) + Math.floor(v[2]! / 2);
            const dg = diagonalRuns(dark, w, h, cx, cy, maxRun);
            if (vt < total * 2 && total < vt * 2 && dg && finderRatio(dg)) {
              const size = (total + vt) / 14;
              const near = centres.find((p) => Math.abs(p.x - cx) <= size * 3 && Math.abs(p.y - cy) <= size * 3);
              if (!near && centres.length < MAX_CENTRES) centres.push({ x: cx, y: cy, size });
            }
          }
        }
      }
      x0 += runs[i]!;
    }
  }
  return qrTriangles(centres).map((t) => regionOf(t, w, h));
}

const MAX_CENTRES = 80;

/** Triples of centres of about the same module size at the corners of a right isosceles triangle. */
function qrTriangles(c: Centre[]): [Centre, Centre, Centre][] {
  const d2 = (a: { x: number; y: number }, b: { x: number; y: number }): number => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;
  const out: [Centre, Centre, Centre][] = [];
  for (let i = 0; i < c.length; i++) {
    for (let j = i + 1; j < c.length; j++) {
      for (let k = j + 1; k < c.length; k++) {
        const t: [Centre, Centre, Centre] = [c[i]!, c[j]!, c[k]!];
        const sizes = t.map((p) => p.size);
        if (Math.max(...sizes) > Math.min(...sizes) * 1.5) continue;
        const sides = [d2(t[0], t[1]), d2(t[0], t[2]), d2(t[1], t[2])].sort((x, y) => x - y) as [number, number, number];
        const [s1, s2, hyp] = sides;
        if (s1 < (14 * Math.min(...sizes)) ** 2) continue; // the patterns of one code are 14+ modules apart
        // legs within 15 % of each other, hypotenuse within 10 % of sqrt(2) legs (squared figures)
        if (s2 > s1 * 1.32 || hyp < (s1 + s2) * 0.81 || hyp > (s1 + s2) * 1.21) continue;
        out.push(t);
        if (out.length >= MAX_REGIONS) return out;
      }
    }
  }
  return out;
}

/**
 * The pixel bounds of the code a triangle of finder patterns belongs to: the parallelogram they
 * span (its fourth corner opposite the right angle), widened by 8 modules for the half finder
 * pattern beyond each centre and the quiet zone.
 */
function regionOf(t: [Centre, Centre, Centre], w: number, h: number): Omit<QrRegion, 'inverted'> {
  const d2 = (a: Centre, b: Centre): number => (a.x - b.x) ** 2 + (a.y - b.y) ** 2;
  // the right angle is at the centre opposite the longest side
  const [a, b, c] = t;
  const corner = d2(b, c) >= d2(a, b) && d2(b, c) >= d2(a, c) ? a : d2(a, c) >= d2(a, b) ? b : c;
  const [p, q] = t.filter((x) => x !== corner) as [Centre, Centre];
  const fourth = { x: p.x + q.x - corner.x, y: p.y + q.y - corner.y };
  const xs = [a.x, b.x, c.x, fourth.x];
  const ys = [a.y, b.y, c.y, fourth.y];
  const margin = 8 * Math.max(a.size, b.size, c.size);
  return {
    x0: Math.max(0, Math.floor(Math.min(...xs) - margin)),
    y0: Math.max(0, Math.floor(Math.min(...ys) - margin)),
    x1: Math.min(w, Math.ceil(Math.max(...xs) + margin)),
    y1: Math.min(h, Math.ceil(Math.max(...ys) + margin)),
  };
}
