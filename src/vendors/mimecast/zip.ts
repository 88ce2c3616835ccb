// A minimal ZIP writer with traditional PKWARE encryption ("ZipCrypto"), so attachments pulled from
// a phishing message reach the chat as `infected`-password archives (the convention analysts and
// sandboxes expect) instead of live files a click away from being opened. ZipCrypto is weak
// cryptography, on purpose: it only stops accidental opening and mail/endpoint scanners.
// Format: PKWARE APPNOTE.TXT §4.3 (structure) and §6.1 (traditional encryption).
import { randomBytes } from 'node:crypto';
import { crc32, deflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  data: Buffer;
  /** Modification time stored in the entry (default now). */
  date?: Date;
}

export const DEFAULT_ZIP_PASSWORD = 'infected';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

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

function dosTime(d: Date): { time: number; date: number } {
  const year = Math.max(1980, d.getUTCFullYear());
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((year - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
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
 * encryption. Entries are deflated when that makes them smaller, else stored.
 */
export function createZip(entries: readonly ZipEntry[], opts: { password?: string } = {}): Buffer {
  const password = opts.password === undefined ? undefined : Buffer.from(opts.password, 'utf8');
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  const taken = new Set<string>();
  let offset = 0;

  for (const e of entries) {
    const name = Buffer.from(safeEntryName(e.name, taken), 'utf8');
    const crc = crc32(e.data) >>> 0;
    const deflated = deflateRawSync(e.data);
    const useDeflate = deflated.length < e.data.length;
    let payload = useDeflate ? deflated : e.data;
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

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(time, 10);
    local.writeUInt16LE(date, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(payload.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, payload);

    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4); // made by: MS-DOS, 2.0
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(flags, 8);
    cd.writeUInt16LE(method, 10);
    cd.writeUInt16LE(time, 12);
    cd.writeUInt16LE(date, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(payload.length, 20);
    cd.writeUInt32LE(e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    // extra, comment, disk, internal attributes, external attributes: 0
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
