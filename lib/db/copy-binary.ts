/**
 * The encoder of rows for Postgres `COPY … FROM STDIN WITH (FORMAT binary)`: each value in the
 * column type's own binary form, so the server parses no text (numbers, dates and times were
 * most of a load's COPY time as CSV) and Node makes no string per value. The format:
 * https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4 — a signature, then per
 * row a field count and, per field, its byte length (-1 for NULL) and bytes; then -1.
 */

/** The column types a load writes, by the type OID `pg_attribute` names. */
export const BINARY_TYPES = {
  16: "bool",
  20: "int8",
  21: "int2",
  23: "int4",
  25: "text",
  1042: "text", // char(n)
  1043: "text", // varchar(n): the server checks the length as it would for text input
  1082: "date",
  1083: "time",
  1114: "timestamp",
  1700: "numeric",
} as const;

export type BinaryType = (typeof BINARY_TYPES)[keyof typeof BINARY_TYPES];

export const binaryTypeOf = (oid: number): BinaryType | undefined =>
  (BINARY_TYPES as Record<number, BinaryType>)[oid];

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");

/** The stream's first bytes: signature, flags (none), header extension length (0). */
export function binaryCopyHeader(): Buffer {
  const header = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(header, 0);
  return header;
}

/** The stream's last bytes: a field count of -1. */
export const binaryCopyTrailer = (): Buffer => Buffer.from([0xff, 0xff]);

/** Days from 1970-01-01 (Parquet's epoch) to 2000-01-01 (Postgres's). */
const EPOCH_DAYS = 10_957;
const EPOCH_MICROS = 946_684_800_000_000n;

/** Below this magnitude a scaled integer, times 1,000, is still exact as a double. */
const SMALL_NUMERIC = 9_007_199_254_740n;
const POW10 = [1, 10, 100, 1000];
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/**
 * A growing buffer of one chunk of rows. Integers are written byte by byte (and 64-bit ones
 * through a DataView) rather than with Buffer's checked writers: this is the load's innermost
 * loop, run once per value.
 */
export class BinaryRows {
  private buffer: Buffer;
  private view: DataView;
  private at = 0;
  /** A numeric's base-10000 digits, least significant first (scratch). */
  private readonly groups: number[] = [];

  constructor(initialBytes = 1 << 16) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.at + bytes) size *= 2;
    const bigger = Buffer.allocUnsafeSlow(size);
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer, bigger.byteOffset, bigger.byteLength);
  }

  private i16(value: number): void {
    const b = this.buffer;
    const at = this.at;
    b[at] = value >>> 8;
    b[at + 1] = value;
    this.at = at + 2;
  }

  private i32(value: number): void {
    const b = this.buffer;
    const at = this.at;
    b[at] = value >>> 24;
    b[at + 1] = value >>> 16;
    b[at + 2] = value >>> 8;
    b[at + 3] = value;
    this.at = at + 4;
  }

  /** Starts a row of `fields` fields. */
  row(fields: number): void {
    this.room(2);
    this.i16(fields);
  }

  null(): void {
    this.room(4);
    this.i32(-1);
  }

  int2(value: number): void {
    if ((value << 16) >> 16 !== value) throw new RangeError(`${value} is not a smallint`);
    this.room(6);
    this.i32(2);
    this.i16(value);
  }

  int4(value: number): void {
    if ((value | 0) !== value) throw new RangeError(`${value} is not an integer`);
    this.room(8);
    this.i32(4);
    this.i32(value);
  }

  int8(value: bigint): void {
    // A DataView would wrap a value outside 64 bits silently.
    if (value < INT8_MIN || value > INT8_MAX) throw new RangeError(`${value} is not a bigint`);
    this.room(12);
    this.i32(8);
    this.view.setBigInt64(this.at, value);
    this.at += 8;
  }

  bool(value: boolean): void {
    this.room(5);
    this.i32(1);
    this.buffer[this.at++] = value ? 1 : 0;
  }

  /** Days since 1970-01-01. */
  date(days: number): void {
    this.int4(days - EPOCH_DAYS);
  }

  /** Microseconds since midnight (time) or since 1970 (timestamp). */
  time(micros: bigint): void {
    this.int8(micros);
  }

  timestamp(micros: bigint): void {
    this.int8(micros - EPOCH_MICROS);
  }

  bytes(value: Uint8Array): void {
    this.room(4 + value.length);
    this.i32(value.length);
    this.buffer.set(value, this.at);
    this.at += value.length;
  }

  text(value: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.room(4 + value.length * 3);
    const length = this.buffer.write(value, this.at + 4, "utf8");
    this.i32(length);
    this.at += length;
  }

  /** A scaled integer (`raw` × 10^-scale) in numeric's base-10000 form. */
  numeric(raw: bigint, scale: number): void {
    if (raw >= SMALL_NUMERIC || raw <= -SMALL_NUMERIC || scale > 1000) {
      const { sign, weight, digits } = numericDigits(raw, scale);
      this.numericParts(sign, weight, scale, [...digits].reverse(), digits.length);
      return;
    }
    // The same digits as numericDigits, in double arithmetic (exact at this size): the
    // value scaled so that the point falls between base-10000 digits, then split.
    const negative = raw < 0n;
    const pad = (4 - (scale % 4)) % 4;
    let m = Math.abs(Number(raw)) * POW10[pad]!;
    const groups = this.groups;
    let n = 0;
    while (m > 0) {
      const q = Math.floor(m / 10_000);
      groups[n++] = m - q * 10_000;
      m = q;
    }
    let low = 0;
    while (low < n && groups[low] === 0) low++;
    if (low === n) {
      this.numericParts(NUMERIC_POSITIVE, 0, scale, groups, 0);
      return;
    }
    const weight = n - 1 - (scale + pad) / 4;
    this.numericParts(negative ? NUMERIC_NEGATIVE : NUMERIC_POSITIVE, weight, scale, groups, n, low);
  }

  /**
   * A numeric's header and its digits, most significant first: `groups[end - 1]` down to
   * `groups[low]` (least significant first there, as they are split off).
   */
  private numericParts(
    sign: number,
    weight: number,
    scale: number,
    groups: readonly number[],
    end: number,
    low = 0,
  ): void {
    const count = end - low;
    this.room(4 + 8 + count * 2);
    this.i32(8 + count * 2);
    this.i16(count);
    this.i16(weight);
    this.i16(sign);
    this.i16(scale);
    for (let i = end - 1; i >= low; i--) this.i16(groups[i]!);
  }

  /** The rows so far, copied out; the buffer starts again empty. */
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.at));
    this.at = 0;
    return out;
  }
}

const NUMERIC_POSITIVE = 0x0000;
const NUMERIC_NEGATIVE = 0x4000;

/**
 * `raw` × 10^-scale as numeric's sign, weight (of the first base-10000 digit) and digits, with
 * no leading or trailing zero digits (Postgres's own form; zero has none).
 */
export function numericDigits(
  raw: bigint,
  scale: number,
): { sign: number; weight: number; digits: number[] } {
  const negative = raw < 0n;
  const text = (negative ? -raw : raw).toString().padStart(scale + 1, "0");
  const whole = text.slice(0, text.length - scale);
  const fraction = text.slice(text.length - scale);
  // Whole digits grouped by fours from the right, the fraction's from the left.
  const wholePadded = whole.padStart(Math.ceil(whole.length / 4) * 4, "0");
  const fractionPadded = fraction.padEnd(Math.ceil(fraction.length / 4) * 4, "0");
  const digits: number[] = [];
  for (let i = 0; i < wholePadded.length; i += 4) digits.push(Number(wholePadded.slice(i, i + 4)));
  for (let i = 0; i < fractionPadded.length; i += 4) digits.push(Number(fractionPadded.slice(i, i + 4)));
  let weight = wholePadded.length / 4 - 1;
  let first = 0;
  while (first < digits.length && digits[first] === 0) {
    first++;
    weight--;
  }
  let end = digits.length;
  while (end > first && digits[end - 1] === 0) end--;
  const kept = digits.slice(first, end);
  if (kept.length === 0) return { sign: NUMERIC_POSITIVE, weight: 0, digits: [] };
  return { sign: negative ? NUMERIC_NEGATIVE : NUMERIC_POSITIVE, weight, digits: kept };
}
