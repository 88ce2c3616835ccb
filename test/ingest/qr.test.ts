// URLs in QR codes of image attachments (source 'qr'), with the decompression-bomb bounds.
// Fixtures: test/fixtures/qr (made with qrencode, see its README); variants are derived here.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { grey, hasFinderPatterns, imageSize, QR_LIMITS, scanQr } from '../../src/ingest/extract/qr.ts';
import { parseReport } from '../../src/ingest/parse/report.ts';

const fixture = (name: string): Buffer => readFileSync(path.resolve(import.meta.dirname, '..', 'fixtures', 'qr', name));
const LURE_URL = 'https://qr-login.quishing.test/m?id=7731';

/** The QR fixture drawn `scale` times larger at (x, y) on a white page of w x h, optionally inverted. */
function page(w: number, h: number, x: number, y: number, scale: number, invert = false): PNG {
  const qr = PNG.sync.read(fixture('lure-qr.png'));
  const out = new PNG({ width: w, height: h });
  out.data.fill(invert ? 0 : 255);
  for (let i = 3; i < out.data.length; i += 4) out.data[i] = 255;
  for (let yy = 0; yy < qr.height * scale; yy++) {
    for (let xx = 0; xx < qr.width * scale; xx++) {
      const s = (Math.floor(yy / scale) * qr.width + Math.floor(xx / scale)) * 4;
      const o = ((y + yy) * w + x + xx) * 4;
      const v = qr.data[s] as number;
      out.data[o] = out.data[o + 1] = out.data[o + 2] = invert ? 255 - v : v;
    }
  }
  return out;
}

const png = (p: PNG): Buffer => PNG.sync.write(p);

function mailWith(filename: string, contentType: string, image: Buffer): Buffer {
  return Buffer.from(
    [
      'From: "Payroll" <payroll@qr-sender.test>',
      'To: dana.reyes@corp.example.net',
      'Subject: Scan to confirm your benefits',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'Scan the code with your phone to keep your benefits.',
      '--b',
      `Content-Type: ${contentType}; name="${filename}"`,
      `Content-Disposition: attachment; filename="${filename}"`,
      'Content-Transfer-Encoding: base64',
      '',
      image.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '--b--',
      '',
    ].join('\r\n'),
  );
}

describe('scanQr', () => {
  it('reads the URL of a PNG QR code (the qrencode fixture)', () => {
    expect(scanQr(fixture('lure-qr.png'), 'png', QR_LIMITS.budgetPixels)).toEqual({ status: 'found', text: LURE_URL, pixels: 222 * 222 });
  });

  it('reads a JPEG QR code (the fixture re-encoded with jpeg-js)', () => {
    const p = PNG.sync.read(fixture('lure-qr.png'));
    const jpeg = encodeJpeg({ data: p.data, width: p.width, height: p.height }, 90).data;
    expect(scanQr(jpeg, 'jpeg', QR_LIMITS.budgetPixels)).toMatchObject({ status: 'found', text: LURE_URL });
  });

  it('finds a small code on a large scanned page (scaled down before the search)', () => {
    const big = png(page(1240, 1754, 800, 1300, 2)); // A4 at 150 dpi (2.2 Mpx), QR with 12 px modules
    expect(scanQr(big, 'png', QR_LIMITS.budgetPixels)).toMatchObject({ status: 'found', text: LURE_URL });
  });

  it('reads an inverted (light on dark) code in a small image', () => {
    expect(scanQr(png(page(300, 300, 39, 39, 1, true)), 'png', QR_LIMITS.budgetPixels)).toMatchObject({ status: 'found', text: LURE_URL });
  });

  it('answers none for an image without a code', () => {
    const plain = new PNG({ width: 200, height: 200 });
    for (let i = 0; i < plain.data.length; i++) plain.data[i] = (i * 7919) % 251;
    expect(scanQr(png(plain), 'png', QR_LIMITS.budgetPixels)).toEqual({ status: 'none', pixels: 40_000 });
  });

  it('a PNG that claims 30000 x 30000 pixels is refused from its header, before any decoding', () => {
    const claim = Buffer.from(fixture('lure-qr.png'));
    claim.writeUInt32BE(30_000, 16);
    claim.writeUInt32BE(30_000, 20);
    expect(imageSize(claim, 'png')).toEqual({ width: 30_000, height: 30_000 });
    expect(scanQr(claim, 'png', QR_LIMITS.budgetPixels)).toEqual({ status: 'skipped', reason: 'too-large', pixels: 0 });
  });

  it('a JPEG whose header lies about its size is stopped by the decoder\'s own limit', () => {
    const p = PNG.sync.read(fixture('lure-qr.png'));
    const jpeg = Buffer.from(encodeJpeg({ data: p.data, width: p.width, height: p.height }, 90).data);
    // find SOF0 and claim 60000 x 60000
    const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
    jpeg.writeUInt16BE(60_000, sof + 5);
    jpeg.writeUInt16BE(60_000, sof + 7);
    expect(scanQr(jpeg, 'jpeg', QR_LIMITS.budgetPixels)).toEqual({ status: 'skipped', reason: 'too-large', pixels: 0 });
  });

  it('respects the per-report pixel budget, and skips tiny images and garbage', () => {
    expect(scanQr(fixture('lure-qr.png'), 'png', 1000)).toEqual({ status: 'skipped', reason: 'over-budget', pixels: 0 });
    const dot = png(new PNG({ width: 1, height: 1 }));
    expect(scanQr(dot, 'png', QR_LIMITS.budgetPixels)).toMatchObject({ status: 'skipped', reason: 'too-small' });
    const broken = Buffer.concat([fixture('lure-qr.png').subarray(0, 40), Buffer.alloc(50)]);
    expect(scanQr(broken, 'png', QR_LIMITS.budgetPixels)).toMatchObject({ status: 'skipped', reason: 'unreadable' });
  });
});

describe('finder-pattern pre-check', () => {
  it('accepts the codes jsQR reads (also inverted, when asked) and rejects a page of text-like stripes', () => {
    const qr = PNG.sync.read(fixture('bare-host-qr.png'));
    const g = grey(qr.data, 4, qr.width, qr.height, 1e6);
    expect(hasFinderPatterns(g.data, g.width, g.height)).toBe(true);
    const inv = page(300, 300, 39, 39, 1, true);
    const gi = grey(inv.data, 4, 300, 300, 1e6);
    expect(hasFinderPatterns(gi.data, 300, 300, false)).toBe(false);
    expect(hasFinderPatterns(gi.data, 300, 300, true)).toBe(true);
    const stripes = new PNG({ width: 400, height: 400 });
    for (let y = 0; y < 400; y++) {
      for (let x = 0; x < 400; x++) {
        const v = (x % 9 < 2 || y % 13 < 2) ? 0 : 255;
        const o = (y * 400 + x) * 4;
        stripes.data[o] = stripes.data[o + 1] = stripes.data[o + 2] = v;
        stripes.data[o + 3] = 255;
      }
    }
    expect(hasFinderPatterns(grey(stripes.data, 4, 400, 400, 1e6).data, 400, 400, true)).toBe(false);
  });

  it('grey() averages blocks of luma when scaling down, and only converts small images', () => {
    const rgba = new Uint8Array([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255, 255, 255, 255, 255]); // 2 x 2: black, white
    expect(grey(rgba, 4, 2, 2, 1)).toEqual({ data: new Uint8Array([128]), width: 1, height: 1 }); // 127.5 rounded
    expect(grey(rgba, 4, 2, 2, 4)).toEqual({ data: new Uint8Array([0, 255, 0, 255]), width: 2, height: 2 });
    expect(grey(new Uint8Array([255, 0, 0, 0, 0, 255]), 3, 2, 1, 4).data).toEqual(new Uint8Array([76, 28])); // RGB
  });
});

describe('QR codes in a reported mail', () => {
  it('the URL of a QR image attachment is an indicator with source "qr"', async () => {
    const r = await parseReport(mailWith('benefits.png', 'image/png', fixture('lure-qr.png')));
    expect(r.indicators.urls).toContainEqual({ url: LURE_URL, host: 'qr-login.quishing.test', registrableDomain: 'quishing.test', source: 'qr' });
    expect(r.indicators.domains.map((d) => d.domain)).toContain('qr-login.quishing.test');
  });

  it('a bare host/path in a QR code is read as a web address; the type is taken from the bytes, not the label', async () => {
    const r = await parseReport(mailWith('scan.bin', 'application/octet-stream', fixture('bare-host-qr.png')));
    expect(r.indicators.urls.filter((u) => u.source === 'qr').map((u) => u.url)).toEqual(['http://pay.quishing.test/invoice/42']);
  });

  it('with URL extraction off, images are not decoded at all', async () => {
    const r = await parseReport(mailWith('benefits.png', 'image/png', fixture('lure-qr.png')), { extract: { urls: false } });
    expect(r.indicators.urls).toEqual([]);
    expect(r.indicators.domains.map((d) => d.domain)).not.toContain('qr-login.quishing.test');
  });

  it('an image over the pixel limit is reported in the warnings', async () => {
    const claim = Buffer.from(fixture('lure-qr.png'));
    claim.writeUInt32BE(30_000, 16);
    claim.writeUInt32BE(30_000, 20);
    const r = await parseReport(mailWith('huge.png', 'image/png', claim));
    expect(r.status).toBe('parsed');
    expect(r.warnings).toContain(`the image "huge.png" is too large to be scanned for a QR code (over ${QR_LIMITS.maxPixels} pixels or ${QR_LIMITS.maxBytes} bytes)`);
  });
});
