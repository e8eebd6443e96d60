import type { SchemaElement } from "hyparquet";

/** What a Parquet column holds, from its physical type and annotations (either generation). */

/** The column holds a DECIMAL, whichever annotation says so (the reader hands back its scaled integer). */
export const isDecimal = (element: SchemaElement): boolean =>
  element.converted_type === "DECIMAL" || element.logical_type?.type === "DECIMAL";

export const isDate = (e: SchemaElement): boolean =>
  e.converted_type === "DATE" || e.logical_type?.type === "DATE";

export const timeUnit = (e: SchemaElement): "MILLIS" | "MICROS" | "NANOS" | undefined => {
  if (e.converted_type === "TIME_MILLIS") return "MILLIS";
  if (e.converted_type === "TIME_MICROS") return "MICROS";
  const logical = e.logical_type;
  return logical?.type === "TIME" ? logical.unit : undefined;
};

export const isTimestamp = (e: SchemaElement): boolean =>
  e.converted_type === "TIMESTAMP_MILLIS" ||
  e.converted_type === "TIMESTAMP_MICROS" ||
  e.logical_type?.type === "TIMESTAMP" ||
  e.type === "INT96";

/**
 * Microseconds since 1970 as stored, so the raw reader's value is the stored one (the order of
 * hyparquet's `convert`: INT96 and TIMESTAMP_MILLIS first, then the annotation).
 */
export const isMicrosTimestamp = (e: SchemaElement): boolean =>
  e.type !== "INT96" &&
  (e.converted_type === "TIMESTAMP_MICROS" ||
    (e.converted_type === undefined &&
      e.logical_type?.type === "TIMESTAMP" &&
      e.logical_type.unit === "MICROS"));

export const isString = (e: SchemaElement): boolean => e.type === "BYTE_ARRAY" && !isDecimal(e);

/** Text as UTF-8 bytes, un-annotated or annotated as text (not JSON, UUID, geometry, …). */
export const isPlainText = (e: SchemaElement): boolean =>
  e.type === "BYTE_ARRAY" &&
  (e.logical_type === undefined
    ? e.converted_type === undefined || e.converted_type === "UTF8"
    : e.logical_type.type === "STRING");

/** A big-endian two's-complement integer (a DECIMAL stored as bytes). */
function bytesToBigInt(bytes: Uint8Array): bigint {
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes.length && bytes[0]! & 0x80 ? value - (1n << bits) : value;
}

/** An integer as the raw reader gives it (number, bigint, or a DECIMAL's bytes) as a bigint. */
export const rawInteger = (v: unknown): bigint =>
  v instanceof Uint8Array ? bytesToBigInt(v) : BigInt(v as bigint | number);
