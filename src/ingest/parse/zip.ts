// ZIP archives attached to a phish (invoice.zip holding an .html or .js lure): their files are
// unpacked so that they are hashed and their links read like any other attachment.
//
// Read from the central directory (the authoritative list), every offset and length checked against
// the buffer. Inflation goes through node:zlib with maxOutputLength, so a zip bomb stops at the
// caller's byte budget instead of filling memory. Not unpacked: encrypted entries (no password),
// ZIP64, methods other than stored/deflate, archives inside archives.

import { inflateRawSync } from 'node:zlib';
import { decodeCodepage } from './codepage.ts';

export class ZipError extends Error {}

export interface ZipLimits {
  /** Files unpacked; the rest are counted in `dropped`. */
  maxEntries: number;
  /** Bytes produced by unpacking, all files together. */
  maxBytes: number;
}

export interface ZipEntry {
  name: string;
  content: Buffer;
}

export interface ZipResult {
  entries: ZipEntry[];
  /** Password-protected files (their names are known, their content is not). */
  encrypted: number;
  /** Files left out because a limit was reached. */
  dropped: number;
  /** Files that could not be read (unsupported method, ZIP64, damaged data). */
  unreadable: number;
  /** true when the byte budget was what stopped unpacking. */
  overBudget: boolean;
}

const EOCD_SIG = 0x06054b50;
const CDH_SIG = 0x02014b50;
const LFH_SIG = 0x04034b50;

export function isZip(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** Office documents are ZIP too; only what is declared or named as an archive is unpacked. */
export function isZipArchive(att: { filename: string; contentType: string; content: Buffer }): boolean {
  return isZip(att.content) && (/\.zip$/i.test(att.filename) || /^application\/(?:x-)?zip(?:-compressed)?$/i.test(att.contentType));
}

export function unzip(buf: Buffer, limits: ZipLimits): ZipResult {
  const eocd = findEocd(buf);
  if (eocd < 0) throw new ZipError('no ZIP end-of-central-directory record');
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  const result: ZipResult = { entries: [], encrypted: 0, dropped: 0, unreadable: 0, overBudget: false };
  let bytesLeft = Math.max(0, limits.maxBytes);
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CDH_SIG) {
      result.unreadable += count - i;
      break;
    }
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const compSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const localOffset = buf.readUInt32LE(p + 42);
    if (p + 46 + nameLen > buf.length) {
      result.unreadable += count - i;
      break;
    }
    const rawName = buf.subarray(p + 46, p + 46 + nameLen);
    // bit 11: the name is UTF-8; otherwise it is in the DOS code page
    const name = flags & 0x800 ? rawName.toString('utf8') : decodeCodepage(rawName, 437);
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue; // a folder
    if (flags & 0x1) {
      result.encrypted++;
      continue;
    }
    if (result.entries.length >= limits.maxEntries) {
      result.dropped++;
      continue;
    }
    if (compSize === 0xffffffff || size === 0xffffffff || localOffset === 0xffffffff || (method !== 0 && method !== 8)) {
      result.unreadable++;
      continue;
    }
    if (size > bytesLeft) {
      result.dropped++;
      result.overBudget = true;
      continue;
    }
    const data = localData(buf, localOffset, compSize);
    if (!data) {
      result.unreadable++;
      continue;
    }
    let content: Buffer;
    try {
      // The declared size is not trusted: maxOutputLength is the budget, whatever the header says.
      content = method === 0 ? data : inflateRawSync(data, { maxOutputLength: Math.max(1, bytesLeft) });
    } catch (err) {
      if (err instanceof RangeError) {
        result.dropped++;
        result.overBudget = true;
      } else result.unreadable++;
      continue;
    }
    bytesLeft -= content.length;
    result.entries.push({ name: name.split('/').pop() || name, content });
  }
  return result;
}

function findEocd(buf: Buffer): number {
  const min = Math.max(0, buf.length - 22 - 0xffff);
  for (let i = buf.length - 22; i >= min; i--) {
    if (buf[i] === 0x50 && buf[i + 1] === 0x4b && buf.readUInt32LE(i) === EOCD_SIG) return i;
  }
  return -1;
}

/** The compressed bytes of one entry, from its local header; undefined when out of bounds. */
function localData(buf: Buffer, offset: number, compSize: number): Buffer | undefined {
  if (offset + 30 > buf.length || buf.readUInt32LE(offset) !== LFH_SIG) return undefined;
  const start = offset + 30 + buf.readUInt16LE(offset + 26) + buf.readUInt16LE(offset + 28);
  if (start + compSize > buf.length) return undefined;
  return buf.subarray(start, start + compSize);
}
