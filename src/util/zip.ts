// The one ZIP writer (and CRC-32) of Hookline: plain PKWARE ZIP (local headers, central directory,
// deflate from node:zlib, CRC-32 from zlib.crc32), with optional traditional PKWARE encryption
// ("ZipCrypto"). ZipCrypto is weak cryptography, on purpose: `infected`-password archives only stop
// accidental opening and mail/endpoint scanners (the convention analysts and sandboxes expect).
// Format: PKWARE APPNOTE.TXT §4.3 (structure) and §6.1 (traditional encryption).
import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Modification time stored in the entry (default now). */
  date?: Date;
}

/**
 * How entries are stored: `auto` deflates when that makes an entry smaller (else stores it),
 * `deflate` always deflates, `store` never compresses.
 */
export type ZipCompression = 'auto' | 'deflate' | 'store';

export interface ZipOptions {
  /** Encrypt every entry with ZipCrypto under this password. */
  password?: string;
  /** Default `auto`. */
  compression?: ZipCompression;
  /** zlib deflate level (default zlib's). */
  level?: number;
  /** Keep entry names as given (folders included) instead of making them safe with safeEntryName. */
  rawNames?: boolean;
}

export const DEFAULT_ZIP_PASSWORD = 'infected';

/** The CRC-32 of ZIP (and gzip, PNG), as an unsigned 32-bit number. */
export function crc32(data: Uint8Array | string): number {
  return zlibCrc32(data) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** One byte of CRC-32 update, without the pre/post inversion (ZipCrypto's key schedule). */
function crcByte(crc: number, b: number): number {
  return ((crc >>> 8) ^ (CRC_TABLE[(crc ^ b) & 0xff] as number)) >>> 0;
}

/** The three-key cipher state of traditional PKWARE encryption. */
class ZipCryptoKeys {
  k0 = 0x12345678;
  k1 = 0x23456789;
  k2 = 0x34567890;

  constructor(password: Buffer) {
    for (const b of password) this.update(b);
  }

  update(b: number): void {
    this.k0 = crcByte(this.k0, b);
    this.k1 = (this.k1 + (this.k0 & 0xff)) >>> 0;
    this.k1 = (Math.imul(this.k1, 134775813) + 1) >>> 0;
    this.k2 = crcByte(this.k2, this.k1 >>> 24);
  }

  streamByte(): number {
    const t = (this.k2 | 2) & 0xffff;
    return ((t * (t ^ 1)) >>> 8) & 0xff;
  }

  encrypt(buf: Buffer): Buffer {
    const out = Buffer.allocUnsafe(buf.length);
    for (let i = 0; i < buf.length; i++) {
      const p = buf[i] as number;
      out[i] = p ^ this.streamByte();
      this.update(p);
    }
    return out;
  }

  decrypt(buf: Buffer): Buffer {
    const out = Buffer.allocUnsafe(buf.length);
    for (let i = 0; i < buf.length; i++) {
      const p = (buf[i] as number) ^ this.streamByte();
      out[i] = p;
      this.update(p);
    }
    return out;
  }
}

/** MS-DOS date and time (UTC, 2-second resolution; years before 1980 become 1980). */
function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: ((d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2)) & 0xffff,
    date: (((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate()) & 0xffff,
  };
}

/** A safe entry name: no directories, no control characters, unique within the archive. */
export function safeEntryName(name: string, taken: Set<string>): string {
  let base = name.replace(/[\\/]+/g, '_').replace(/[\u0000-\u001f\u007f]/g, '').trim() || 'file';
  if (base === '.' || base === '..') base = 'file';
  let candidate = base;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) {
    const dot = base.lastIndexOf('.');
    candidate = dot > 0 ? `${base.slice(0, dot)} (${i})${base.slice(dot)}` : `${base} (${i})`;
  }
  taken.add(candidate.toLowerCase());
  return candidate;
}

/**
 * Builds a ZIP archive; with a password every entry is encrypted with traditional PKWARE
 * encryption. Compression follows `opts.compression` (default: deflate when smaller, else store).
 */
export function createZip(entries: readonly ZipEntry[], opts: ZipOptions = {}): Buffer {
  const password = opts.password === undefined ? undefined : Buffer.from(opts.password, 'utf8');
  const compression = opts.compression ?? 'auto';
  const deflateOpts = opts.level === undefined ? {} : { level: opts.level };
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  const taken = new Set<string>();
  let offset = 0;

  for (const e of entries) {
    const name = Buffer.from(opts.rawNames ? e.name : safeEntryName(e.name, taken), 'utf8');
    const crc = crc32(e.data);
    let useDeflate = false;
    let payload = e.data;
    if (compression !== 'store') {
      const deflated = deflateRawSync(e.data, deflateOpts);
      useDeflate = compression === 'deflate' || deflated.length < e.data.length;
      if (useDeflate) payload = deflated;
    }
    const method = useDeflate ? 8 : 0;
    // Bit 0: encrypted; bit 11: UTF-8 names.
    const flags = (password ? 0x0001 : 0) | 0x0800;
    if (password) {
      const keys = new ZipCryptoKeys(password);
      const header = randomBytes(12);
      header[11] = (crc >>> 24) & 0xff; // the check byte (no data descriptor)
      payload = Buffer.concat([keys.encrypt(header), keys.encrypt(payload)]);
    }
    const { time, date } = dosTime(e.date ?? new Date());

    // The central header repeats the local one's fields, two bytes further on (after "made by").
    const fields = (buf: Buffer, at: number): void => {
      buf.writeUInt16LE(20, at); // version needed: 2.0
      buf.writeUInt16LE(flags, at + 2);
      buf.writeUInt16LE(method, at + 4);
      buf.writeUInt16LE(time, at + 6);
      buf.writeUInt16LE(date, at + 8);
      buf.writeUInt32LE(crc, at + 10);
      buf.writeUInt32LE(payload.length, at + 14);
      buf.writeUInt32LE(e.data.length, at + 18);
      buf.writeUInt16LE(name.length, at + 22);
      // extra length 0
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    locals.push(local, name, payload);

    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    fields(cd, 6);
    // comment, disk, internal attributes, external attributes: 0
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);

    offset += local.length + name.length + payload.length;
  }

  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

/** Decrypts one ZipCrypto payload (12-byte header + data); for tests and the sandbox. */
export function zipCryptoDecrypt(payload: Buffer, password: string): Buffer {
  const keys = new ZipCryptoKeys(Buffer.from(password, 'utf8'));
  return keys.decrypt(payload).subarray(12);
}
