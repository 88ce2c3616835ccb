// Builds small TNEF streams for tests, per [MS-OXTNEF]: signature, key, then attributes with their
// 16-bit checksums, and MAPI property lists. Only what the tests need.

export const ATT = {
  subject: 0x00018004,
  body: 0x0002800c,
  oemCodepage: 0x00069007,
  mapiProps: 0x00069003,
  attachRendData: 0x00069002,
  attachTitle: 0x00018010,
  attachData: 0x0006800f,
  attachment: 0x00069005,
} as const;

export const PT = { LONG: 0x0003, STRING8: 0x001e, UNICODE: 0x001f, BINARY: 0x0102, OBJECT: 0x000d, BOOLEAN: 0x000b } as const;

export const PR = {
  SUBJECT: 0x0037,
  BODY: 0x1000,
  BODY_HTML: 0x1013,
  RTF_COMPRESSED: 0x1009,
  INTERNET_CPID: 0x3fde,
  MESSAGE_CODEPAGE: 0x3ffd,
  DISPLAY_NAME: 0x3001,
  ATTACH_DATA: 0x3701,
  ATTACH_FILENAME: 0x3704,
  ATTACH_METHOD: 0x3705,
  ATTACH_LONG_FILENAME: 0x3707,
  ATTACH_MIME_TAG: 0x370e,
} as const;

const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const pad4 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);

export function attr(level: 1 | 2, id: number, data: Buffer | string): Buffer {
  const d = typeof data === 'string' ? Buffer.from(`${data}\0`, 'latin1') : data;
  let sum = 0;
  for (const byte of d) sum = (sum + byte) & 0xffff;
  return Buffer.concat([Buffer.from([level]), u32(id), u32(d.length), d, u16(sum)]);
}

export function tnef(...attrs: Buffer[]): Buffer {
  return Buffer.concat([u32(0x223e9f78), u16(0x1234), ...attrs]);
}

export interface PropSpec {
  type: number;
  id: number;
  value: Buffer | string | number;
}

/** A MAPI property list: count, then each tag and value (strings: one value with its length). */
export function props(list: PropSpec[]): Buffer {
  const parts: Buffer[] = [u32(list.length)];
  for (const p of list) {
    parts.push(u16(p.type), u16(p.id));
    if (p.type === PT.LONG || p.type === PT.BOOLEAN) {
      parts.push(u32(p.value as number));
      continue;
    }
    let bytes: Buffer;
    if (typeof p.value === 'string') bytes = p.type === PT.UNICODE ? Buffer.from(`${p.value}\0`, 'utf16le') : Buffer.from(`${p.value}\0`, 'latin1');
    else bytes = p.value as Buffer;
    parts.push(u32(1), u32(bytes.length), pad4(bytes));
  }
  return Buffer.concat(parts);
}

/** PR_ATTACH_DATA_OBJ of an embedded message: a 16-byte interface id, then the item's TNEF stream. */
export function embeddedObject(inner: Buffer): Buffer {
  return Buffer.concat([Buffer.from('0703020000000000c000000000000046', 'hex'), inner]);
}

/** One attachment: render data (starts it), title, data, and optional MAPI properties. */
export function attachment(title: string, data: Buffer | undefined, extra: PropSpec[] = []): Buffer[] {
  const out = [attr(2, ATT.attachRendData, Buffer.alloc(14)), attr(2, ATT.attachTitle, title)];
  if (data) out.push(attr(2, ATT.attachData, data));
  if (extra.length) out.push(attr(2, ATT.attachment, props(extra)));
  return out;
}
