import { parquetMetadata, parquetMetadataAsync, parquetSchema } from "hyparquet";
import { convert, DEFAULT_PARSERS } from "hyparquet/src/convert.js";
import { getSchemaPath } from "hyparquet/src/schema.js";
import type { ColumnDecoder } from "hyparquet/src/types.js";
import type { ByteSource } from "./byte-source.js";
import { readFlatColumn, type PageValues } from "./parquet-columns.js";
import {
  isDate,
  isDecimal,
  isMicrosTimestamp,
  isPlainText,
  isTimestamp,
  rawInteger,
  timeUnit,
} from "./parquet-elements.js";
import type { ColumnMetaData, FileMetaData, ParquetParsers, SchemaElement } from "hyparquet";

/** A value as COPY's CSV takes it: exact text, or null for NULL. */
export type CopyValue = string | null;

const pad = (n: number | bigint, width = 2) => n.toString().padStart(width, "0");

/** Micro- or milliseconds since midnight → HH:MM:SS.ffffff, with no float in between. */
function timeOfDay(value: bigint, perSecond: bigint): string {
  const seconds = value / perSecond;
  const fraction = (value % perSecond).toString().padStart(perSecond.toString().length - 1, "0");
  return `${pad(seconds / 3600n)}:${pad((seconds / 60n) % 60n)}:${pad(seconds % 60n)}.${fraction}`;
}

/** A scaled integer (DECIMAL's storage) → its exact decimal text. */
function decimalText(raw: bigint, scale: number): string {
  const negative = raw < 0n;
  const digits = (negative ? -raw : raw).toString().padStart(scale + 1, "0");
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${text}` : text;
}

const DAY_MS = 86_400_000;
const SECONDS_PER_DAY = 86_400;
/** Days either side of 1970 within which `civilDate` is exact and the year has four digits. */
const CIVIL_RANGE = { first: -719_162, last: 2_932_896 }; // 0001-01-01 … 9999-12-31

/** Days since 1970-01-01 → yyyy-mm-dd, in integer arithmetic (H. Hinnant's civil_from_days). */
function civilDate(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/**
 * A file's dates repeat (orders per day, a calendar's own days), so each day's text is made
 * once per file. Outside years 1–9999 the text is what `Date` prints, as before.
 */
function dayTexts(): (days: number) => string {
  const made = new Map<number, string>();
  return (days) => {
    let text = made.get(days);
    if (text === undefined) {
      text =
        days >= CIVIL_RANGE.first && days <= CIVIL_RANGE.last
          ? civilDate(days)
          : new Date(days * DAY_MS).toISOString().slice(0, 10);
      made.set(days, text);
    }
    return text;
  };
}

const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

/** The annotations of a column of signed integers (none is one), whose statistics are plain numbers. */
const SIGNED_INTEGER = new Set<SchemaElement["converted_type"]>([
  undefined,
  "INT_8",
  "INT_16",
  "INT_32",
  "INT_64",
]);

/** A column not read: NULL at every row. */
const EMPTY: ArrayLike<unknown> = [];

/** Whole seconds and microseconds of a microsecond count, floored (before 1970 too). */
function splitMicros(value: bigint): [seconds: number, fraction: number] {
  if (value >= -MAX_EXACT && value <= MAX_EXACT) {
    // Exact as a double within ±2^53 µs (±285 years of 1970): no bigint division per value.
    const micros = Number(value);
    const seconds = Math.floor(micros / 1_000_000);
    return [seconds, micros - seconds * 1_000_000];
  }
  const fraction = ((value % 1_000_000n) + 1_000_000n) % 1_000_000n;
  return [Number((value - fraction) / 1_000_000n), Number(fraction)];
}

/** Microseconds since 1970 → yyyy-mm-dd HH:MM:SS.ffffff. */
function timestampTexts(dateText: (days: number) => string): (micros: bigint) => string {
  return (value) => {
    const [seconds, fraction] = splitMicros(value);
    const days = Math.floor(seconds / SECONDS_PER_DAY);
    const ofDay = seconds - days * SECONDS_PER_DAY;
    const time = `${pad(Math.floor(ofDay / 3600))}:${pad(Math.floor(ofDay / 60) % 60)}:${pad(ofDay % 60)}`;
    return `${dateText(days)} ${time}.${pad(fraction, 6)}`;
  };
}

type Converter = (value: unknown) => CopyValue;

type Parsers = Partial<ParquetParsers>;

/**
 * Values left as stored: dates as days since 1970, timestamps as microseconds, strings (JSON
 * too) as their UTF-8 bytes (an encoder that writes bytes need not decode and re-encode them).
 */
const RAW_PARSERS: Parsers = {
  dateFromDays: (days) => days,
  timestampFromMilliseconds: (ms) => ms * 1000n,
  timestampFromMicroseconds: (us) => us,
  timestampFromNanoseconds: (ns) => ns / 1000n,
  stringFromBytes: (bytes) => bytes,
  jsonFromBytes: (bytes) => bytes,
};

const utf8 = new TextDecoder();

/**
 * How each column's raw value (RawRowGroup) becomes exact text. DECIMAL columns are read as
 * their raw scaled integers (the reader would otherwise divide them into binary floats: money
 * must never pass through one).
 */
function converterFor(element: SchemaElement, dateText: (days: number) => string): Converter {
  if (isDecimal(element)) {
    const scale = element.scale ?? 0;
    return (v) => decimalText(rawInteger(v), scale);
  }
  if (isDate(element)) return (v) => dateText(v as number);
  if (isTimestamp(element)) {
    const text = timestampTexts(dateText);
    return (v) => text(v as bigint);
  }
  const unit = timeUnit(element);
  if (unit === "MICROS") return (v) => timeOfDay(BigInt(v as bigint), 1_000_000n);
  if (unit === "MILLIS") return (v) => timeOfDay(BigInt(v as number), 1000n);
  if (unit === "NANOS") return (v) => timeOfDay(BigInt(v as bigint) / 1000n, 1_000_000n);
  if (element.type === "BOOLEAN") return (v) => (v ? "t" : "f");
  return (v) => (v instanceof Uint8Array ? utf8.decode(v) : String(v));
}

/** A column's raw values as text, NULL as null. */
function textOf(raw: ArrayLike<unknown>, convert: Converter): CopyValue[] {
  const text = new Array<CopyValue>(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const value = raw[r];
    text[r] = value === null || value === undefined ? null : convert(value);
  }
  return text;
}

export interface ParquetRows {
  readonly columns: readonly string[];
  readonly rowCount: number;
  /**
   * One row group at a time, read and converted column by column: no array per row is
   * made, which was much of a large load's garbage. With `only`, just those columns are
   * decoded; the others read as NULL.
   */
  groups(only?: readonly string[]): AsyncGenerator<RowGroup>;
  /** Rows in chunks (one per row group), so memory holds one group at a time. */
  chunks(): AsyncGenerator<CopyValue[][]>;
  /** Each column's Parquet schema element, as written (how to read its raw values). */
  readonly elements: readonly SchemaElement[];
  /** Like `groups`, with the values as decoded (RawRowGroup), for an encoder that needs no text. */
  rawGroups(only?: readonly string[]): AsyncGenerator<RawRowGroup>;
  /**
   * The one value every row of an integer column holds, as `rawGroups` would decode it, when the
   * footer's statistics say so (in every row group: no NULL, exact minimum equal to maximum);
   * undefined when they do not (or the object has no rows): then read the rows.
   */
  constant(column: string): number | bigint | undefined;
}

export interface RowGroup {
  readonly rows: number;
  /** `columns[c][r]`: column c's text at row r (an unread column's: undefined, i.e. NULL). */
  readonly columns: readonly ArrayLike<CopyValue | undefined>[];
}

/**
 * A row group's values as decoded, before any text is made: integers as number or bigint,
 * DECIMAL as its raw scaled integer, DATE as days since 1970, TIME and TIMESTAMP as their
 * integer unit (see `elements`), booleans, strings as their UTF-8 bytes; null or undefined
 * for NULL.
 */
export interface RawRowGroup {
  readonly rows: number;
  readonly columns: readonly ArrayLike<unknown>[];
}

/**
 * How much of a ranged object's end the reader asks for first: its footer, whole for the objects
 * the transform writes (the reader asks again for a larger one).
 */
export const FOOTER_READ_BYTES = 64 * 1024;

/**
 * A Parquet object's rows, from its bytes in memory or from a source that fetches them by range
 * (byte-source.ts: only the footer and the row group being read are ever held).
 */
export async function openParquet(source: Uint8Array | ByteSource): Promise<ParquetRows> {
  let file: ArrayBuffer | ByteSource;
  let parsed: FileMetaData;
  if (source instanceof Uint8Array) {
    // The reader takes an ArrayBuffer: the object's own when the bytes are all of it (no copy
    // of the whole object), else a copy of just these bytes.
    const buffer = (
      source.byteOffset === 0 && source.byteLength === source.buffer.byteLength
        ? source.buffer
        : source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength)
    ) as ArrayBuffer;
    file = buffer;
    parsed = parquetMetadata(buffer);
  } else {
    file = source;
    parsed = await parquetMetadataAsync(source, { initialFetchSize: FOOTER_READ_BYTES });
  }
  const root = parsed.schema[0];
  const leaves = parsed.schema.slice(1);
  if (root?.num_children !== leaves.length || leaves.some((e) => e.num_children)) {
    const nested = parquetSchema(parsed)
      .children.filter((c) => c.children.length)
      .map((c) => c.element.name);
    throw new Error(
      `the Parquet object has nested columns (${nested.join(", ")}): the load reads flat columns only`,
    );
  }
  // A list stored as a repeated leaf is nested too: its values are not one per row.
  const repeated = leaves.filter((e) => e.repetition_type === "REPEATED").map((e) => e.name);
  if (repeated.length)
    throw new Error(
      `the Parquet object has repeated columns (${repeated.join(", ")}): the load reads flat columns only`,
    );
  const dateText = dayTexts();
  const converters = leaves.map((e) => converterFor(e, dateText));
  // DECIMAL annotations stripped so the decoder hands back raw integers (see converterFor).
  const decoded = leaves.map((e) =>
    isDecimal(e) ? { ...e, converted_type: undefined, logical_type: undefined } : e,
  );
  const schema = [root, ...decoded];
  const parsers: ParquetParsers = { ...DEFAULT_PARSERS, ...RAW_PARSERS };
  const decoders = decoded.map((element) => ({
    pathInSchema: [element.name],
    type: element.type!,
    element,
    schemaPath: getSchemaPath(schema, [element.name]),
    parsers,
  }));
  // Where the raw value is the stored one, a page's values are used as decoded (no array
  // made per page); anything else goes through hyparquet's own conversion.
  const pageValues: PageValues[] = decoded.map((element, c) => {
    if (isDate(element) || isMicrosTimestamp(element) || isPlainText(element) || isDecimal(leaves[c]!))
      return (values) => values;
    const decoder: ColumnDecoder = { ...decoders[c]!, codec: "UNCOMPRESSED" }; // convert reads no codec
    return (values) => convert(values, decoder);
  });
  const chunkBytes = async (meta: ColumnMetaData): Promise<Uint8Array> => {
    // A chunk starts at its dictionary page when it has one (an offset of 0 is none: hyparquet's rule).
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const end = start + Number(meta.total_compressed_size);
    if (file instanceof ArrayBuffer) {
      if (end > file.byteLength)
        throw new RangeError(`a column chunk ends at byte ${end}, past the object's ${file.byteLength}`);
      return new Uint8Array(file, start, end - start);
    }
    return file.view(start, end);
  };
  /**
   * One row group at a time, each column chunk read whole and decoded flat (parquet-columns.ts)
   * into an array of the group's length: no array per row. With `only`, just those columns are
   * decoded; the others read as NULL.
   */
  async function* readGroups(only: readonly string[] | undefined): AsyncGenerator<RawRowGroup> {
    const names = leaves.map((e) => e.name);
    const missing = (only ?? []).filter((name) => !names.includes(name));
    if (missing.length) throw new Error(`the Parquet object has no column ${missing.join(", ")}`);
    const selected = names.flatMap((name, c) => (!only || only.includes(name) ? [c] : []));
    for (const [g, group] of parsed.row_groups.entries()) {
      const rows = Number(group.num_rows);
      const columns: ArrayLike<unknown>[] = leaves.map(() => EMPTY);
      for (const c of selected) {
        const chunk = group.columns[c];
        const meta = chunk?.meta_data;
        if (!meta) throw new Error(`row group ${g} has no data for column ${names[c]}`);
        if (chunk.file_path)
          throw new Error(`row group ${g}: column ${names[c]} is in another file (${chunk.file_path})`);
        const decoder: ColumnDecoder = { ...decoders[c]!, codec: meta.codec };
        columns[c] = readFlatColumn(await chunkBytes(meta), decoder, rows, pageValues[c]!);
      }
      yield { rows, columns };
    }
  }
  const rows: ParquetRows = {
    columns: leaves.map((e) => e.name),
    rowCount: Number(parsed.num_rows),
    async *groups(only) {
      for await (const group of readGroups(only))
        yield {
          rows: group.rows,
          columns: group.columns.map((raw, c) => (raw === EMPTY ? EMPTY : textOf(raw, converters[c]!))),
        } as RowGroup;
    },
    elements: leaves,
    rawGroups: readGroups,
    constant(column) {
      const c = leaves.findIndex((e) => e.name === column);
      const element = leaves[c];
      const logical = element?.logical_type;
      const plainInteger =
        element !== undefined &&
        (element.type === "INT32" || element.type === "INT64") &&
        SIGNED_INTEGER.has(element.converted_type) &&
        (logical === undefined || (logical.type === "INTEGER" && logical.isSigned));
      if (!plainInteger || parsed.row_groups.length === 0) return undefined;
      let value: number | bigint | undefined;
      for (const group of parsed.row_groups) {
        const stats = group.columns[c]?.meta_data?.statistics;
        const { min_value: min, max_value: max } = stats ?? {};
        if (
          stats?.null_count !== 0n ||
          stats.is_min_value_exact === false ||
          stats.is_max_value_exact === false ||
          (typeof min !== "number" && typeof min !== "bigint") ||
          min !== max ||
          (value !== undefined && value !== min)
        )
          return undefined;
        value = element.type === "INT64" ? BigInt(min) : min;
      }
      return value;
    },
    async *chunks() {
      for await (const group of this.groups())
        yield Array.from({ length: group.rows }, (_, r) => group.columns.map((column) => column[r] ?? null));
    },
  };
  return rows;
}
