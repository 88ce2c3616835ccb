// Reads the archives createZip writes (local headers only; no data descriptors, no zip64), for tests.
import { inflateRawSync } from 'node:zlib';
import { zipCryptoDecrypt } from '../../../src/util/zip.ts';

/** Reads the local file entries of a zip written by createZip (no data descriptors, no zip64). */
export function readZip(buf: Buffer, password?: string): { name: string; data: Buffer; encrypted: boolean }[] {
  const out: { name: string; data: Buffer; encrypted: boolean }[] = [];
  let off = 0;
  while (buf.readUInt32LE(off) === 0x04034b50) {
    const flags = buf.readUInt16LE(off + 6);
    const method = buf.readUInt16LE(off + 8);
    const csize = buf.readUInt32LE(off + 18);
    const nameLen = buf.readUInt16LE(off + 26);
    const extraLen = buf.readUInt16LE(off + 28);
    const name = buf.subarray(off + 30, off + 30 + nameLen).toString('utf8');
    let data = buf.subarray(off + 30 + nameLen + extraLen, off + 30 + nameLen + extraLen + csize);
    const encrypted = (flags & 1) === 1;
    if (encrypted) data = zipCryptoDecrypt(data, password ?? '');
    if (method === 8) data = inflateRawSync(data);
    out.push({ name, data, encrypted });
    off += 30 + nameLen + extraLen + csize;
  }
  return out;
}

