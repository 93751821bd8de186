/**
 * The DNS wire format (RFC 1035 §4), as much of it as DNS discovery needs: a query for one
 * name and type, and a response's header and records, decoding A (§3.4.1), AAAA (RFC 3596),
 * CNAME (§3.3.1), SOA (§3.3.13, for negative TTLs, RFC 2308) and SRV (RFC 2782); other
 * types are kept as their type number and skipped. Names follow compression pointers
 * (§4.1.4) backwards only, so a pointer loop cannot hang the decoder. Plain Uint8Array and
 * DataView: no Node Buffer, so it runs the same in workerd, Node and the browser.
 */

export const DNS_TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, AAAA: 28, SRV: 33, OPT: 41 } as const;
export type DnsTypeName = "A" | "AAAA" | "SRV";

/** Response codes Edgeway tells apart (RFC 1035 §4.1.1, RFC 6895). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

/** A name too long, a label too long, a message cut short: what was wrong, and where. */
export class DnsWireError extends Error {
  override readonly name = "DnsWireError";
}

export type RecordData =
  | { readonly type: 1 | 28; readonly address: string }
  | { readonly type: 5; readonly target: string }
  | { readonly type: 33; readonly priority: number; readonly weight: number; readonly port: number; readonly target: string }
  | { readonly type: 6; readonly minimum: number }
  | { readonly type: number; readonly other: true };

/** One resource record: its owner name (lower case, no trailing dot), TTL in seconds and data. */
export type DnsRecord = { readonly name: string; readonly ttl: number } & RecordData;

export interface DnsMessage {
  readonly id: number;
  /** Whether this is a response (QR). */
  readonly response: boolean;
  readonly truncated: boolean;
  readonly rcode: number;
  readonly questions: readonly { readonly name: string; readonly type: number }[];
  readonly answers: readonly DnsRecord[];
  readonly authorities: readonly DnsRecord[];
  readonly additionals: readonly DnsRecord[];
}

const MAX_NAME_LENGTH = 255;
const MAX_LABEL_LENGTH = 63;
const CLASS_IN = 1;

/** `name` in wire form: length-prefixed labels and the root's zero byte. */
function encodeName(name: string): number[] {
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  const out: number[] = [];
  for (const label of bare === "" ? [] : bare.split(".")) {
    if (label.length === 0 || label.length > MAX_LABEL_LENGTH)
      throw new DnsWireError(`name ${name}: a label must be 1–${MAX_LABEL_LENGTH} characters`);
    if (!/^[\x21-\x7e]+$/.test(label)) throw new DnsWireError(`name ${name}: only printable ASCII in a label`);
    out.push(label.length);
    for (let i = 0; i < label.length; i++) out.push(label.charCodeAt(i));
  }
  out.push(0);
  if (out.length > MAX_NAME_LENGTH) throw new DnsWireError(`name ${name}: longer than ${MAX_NAME_LENGTH} bytes`);
  return out;
}

/** A recursive query (RD set) for one name and type, class IN. RFC 8484 §4.1 asks DoH clients for ID 0, for caching. */
export function encodeQuery(name: string, type: DnsTypeName, id = 0): Uint8Array {
  const qname = encodeName(name);
  const bytes = new Uint8Array(12 + qname.length + 4);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, id);
  view.setUint16(2, 0x0100); // RD
  view.setUint16(4, 1); // QDCOUNT
  bytes.set(qname, 12);
  view.setUint16(12 + qname.length, DNS_TYPE[type]);
  view.setUint16(14 + qname.length, CLASS_IN);
  return bytes;
}

/** RFC 4648 §5 base64url without padding, as the `dns` parameter of a DoH GET (RFC 8484 §4.1). */
export function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  #need(n: number, what: string): void {
    if (this.offset + n > this.#bytes.length) throw new DnsWireError(`message ends inside ${what} (offset ${this.offset})`);
  }

  u8(what: string): number {
    this.#need(1, what);
    return this.#view.getUint8(this.offset++);
  }

  u16(what: string): number {
    this.#need(2, what);
    const v = this.#view.getUint16(this.offset);
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.#need(4, what);
    const v = this.#view.getUint32(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number, what: string): Uint8Array {
    this.#need(n, what);
    const out = this.#bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  /** A name at the current offset, following compression pointers (backwards only). */
  name(): string {
    const labels: string[] = [];
    let at = this.offset;
    let resumeAt: number | undefined;
    let length = 1;
    for (;;) {
      if (at >= this.#bytes.length) throw new DnsWireError(`message ends inside a name (offset ${at})`);
      const len = this.#view.getUint8(at);
      if (len === 0) {
        at += 1;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        if (at + 1 >= this.#bytes.length) throw new DnsWireError(`message ends inside a name pointer (offset ${at})`);
        const target = ((len & 0x3f) << 8) | this.#view.getUint8(at + 1);
        // A pointer to an earlier offset only: a loop would have to point forwards somewhere.
        if (target >= at) throw new DnsWireError(`name pointer at offset ${at} does not point backwards (to ${target})`);
        resumeAt ??= at + 2;
        at = target;
        continue;
      }
      if ((len & 0xc0) !== 0) throw new DnsWireError(`unknown label type 0x${len.toString(16)} at offset ${at}`);
      if (at + 1 + len > this.#bytes.length) throw new DnsWireError(`message ends inside a label (offset ${at})`);
      length += len + 1;
      if (length > MAX_NAME_LENGTH) throw new DnsWireError(`a name longer than ${MAX_NAME_LENGTH} bytes at offset ${this.offset}`);
      let label = "";
      for (let i = 1; i <= len; i++) label += String.fromCharCode(this.#view.getUint8(at + i));
      labels.push(label.toLowerCase());
      at += 1 + len;
    }
    this.offset = resumeAt ?? at;
    return labels.join(".");
  }
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of two or more zero groups as "::" (the first on a tie). */
export function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function readRecord(reader: Reader): DnsRecord {
  const name = reader.name();
  const type = reader.u16("a record's type");
  reader.u16("a record's class");
  // RFC 2181 §8: a TTL with the top bit set is read as 0.
  const raw = reader.u32("a record's TTL");
  const ttl = raw > 0x7fffffff ? 0 : raw;
  const length = reader.u16("a record's data length");
  const start = reader.offset;
  const end = start + length;
  let data: RecordData;
  if (type === DNS_TYPE.A) {
    if (length !== 4) throw new DnsWireError(`an A record of ${length} bytes (4 expected) for ${name}`);
    data = { type, address: [...reader.bytes(4, "an A record")].join(".") };
  } else if (type === DNS_TYPE.AAAA) {
    if (length !== 16) throw new DnsWireError(`an AAAA record of ${length} bytes (16 expected) for ${name}`);
    data = { type, address: ipv6Text(reader.bytes(16, "an AAAA record")) };
  } else if (type === DNS_TYPE.CNAME) {
    data = { type, target: reader.name() };
  } else if (type === DNS_TYPE.SRV) {
    const priority = reader.u16("an SRV record");
    const weight = reader.u16("an SRV record");
    const port = reader.u16("an SRV record");
    data = { type, priority, weight, port, target: reader.name() };
  } else if (type === DNS_TYPE.SOA) {
    reader.name();
    reader.name();
    reader.bytes(16, "an SOA record");
    data = { type, minimum: reader.u32("an SOA record") };
  } else {
    reader.bytes(length, `a type ${type} record`);
    data = { type, other: true };
  }
  if (reader.offset !== end) throw new DnsWireError(`the data of a type ${type} record for ${name} is not ${length} bytes long`);
  return { name, ttl, ...data };
}

/** Decodes a DNS message; throws DnsWireError saying what is wrong with a malformed one. */
export function decodeMessage(bytes: Uint8Array): DnsMessage {
  if (bytes.length < 12) throw new DnsWireError(`a DNS message is at least 12 bytes; got ${bytes.length}`);
  const reader = new Reader(bytes);
  const id = reader.u16("the header");
  const flags = reader.u16("the header");
  const counts = [reader.u16("the header"), reader.u16("the header"), reader.u16("the header"), reader.u16("the header")];
  const questions: { name: string; type: number }[] = [];
  for (let i = 0; i < (counts[0] ?? 0); i++) {
    const name = reader.name();
    const type = reader.u16("a question");
    reader.u16("a question");
    questions.push({ name, type });
  }
  const section = (n: number): DnsRecord[] => Array.from({ length: n }, () => readRecord(reader));
  const answers = section(counts[1] ?? 0);
  const authorities = section(counts[2] ?? 0);
  const additionals = section(counts[3] ?? 0);
  return {
    id,
    response: (flags & 0x8000) !== 0,
    truncated: (flags & 0x0200) !== 0,
    rcode: flags & 0x000f,
    questions,
    answers,
    authorities,
    additionals,
  };
}
