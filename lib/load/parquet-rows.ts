import { parquetMetadata, parquetRead } from "hyparquet";
import type { FileMetaData, SchemaElement } from "hyparquet";

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
const dateText = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);
function timestampText(micros: bigint): string {
  // Floor, not truncation: before 1970 the micros are negative and must round down.
  const ms = (micros - (((micros % 1000n) + 1000n) % 1000n)) / 1000n;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${pad(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n, 6)}`;
}

type Converter = (value: unknown) => CopyValue;

/**
 * How each column's decoded value becomes exact text. DECIMAL columns are read as their
 * raw scaled integers (the reader would otherwise divide them into binary floats: money
 * must never pass through one).
 */
function converterFor(element: SchemaElement): Converter {
  const logical = element.logical_type?.type;
  if (element.converted_type === "DECIMAL" || logical === "DECIMAL") {
    const scale = element.scale ?? 0;
    return (v) => decimalText(BigInt(v as bigint | number), scale);
  }
  if (element.converted_type === "TIME_MICROS") return (v) => timeOfDay(BigInt(v as bigint), 1_000_000n);
  if (element.converted_type === "TIME_MILLIS") return (v) => timeOfDay(BigInt(v as number), 1000n);
  if (element.type === "BOOLEAN") return (v) => (v ? "t" : "f");
  return (v) => String(v);
}

export interface ParquetRows {
  readonly columns: readonly string[];
  readonly rowCount: number;
  /** Rows in chunks (one per row group), so memory holds one group at a time. */
  chunks(): AsyncGenerator<CopyValue[][]>;
}

export function openParquet(bytes: Uint8Array): ParquetRows {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const parsed = parquetMetadata(file);
  const leaves = parsed.schema.slice(1);
  const converters = leaves.map(converterFor);
  // Strip DECIMAL annotations so the reader hands back raw integers (see converterFor).
  const metadata: FileMetaData = {
    ...parsed,
    schema: parsed.schema.map((e) =>
      e.converted_type === "DECIMAL" || e.logical_type?.type === "DECIMAL"
        ? { ...e, converted_type: undefined, logical_type: undefined }
        : e,
    ),
  };
  const parsers = {
    dateFromDays: dateText,
    timestampFromMicroseconds: timestampText,
    timestampFromMilliseconds: (ms: bigint) => timestampText(ms * 1000n),
  };
  return {
    columns: leaves.map((e) => e.name),
    rowCount: Number(parsed.num_rows),
    async *chunks() {
      let rowStart = 0;
      for (const group of parsed.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const rows = await new Promise<unknown[][]>((resolve, reject) => {
          parquetRead({ file, metadata, parsers, rowStart, rowEnd, onComplete: resolve }).catch(reject);
        });
        yield rows.map((row) =>
          row.map((v, i) => (v === null || v === undefined ? null : converters[i]!(v))),
        );
        rowStart = rowEnd;
      }
    },
  };
}
