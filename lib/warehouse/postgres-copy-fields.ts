import type { SchemaElement } from "hyparquet";
import type { BinaryRows, BinaryType } from "../db/copy-binary.js";
import { isDate, isDecimal, isString, isTimestamp, rawInteger, timeUnit } from "../load/parquet-elements.js";

/** Writes one non-NULL value, as the Parquet reader decoded it raw (parquet-rows.ts), in binary. */
type FieldWriter = (out: BinaryRows, value: unknown) => void;

const isInteger = (e: SchemaElement) =>
  (e.type === "INT32" || e.type === "INT64") &&
  !isDate(e) &&
  !timeUnit(e) &&
  !isTimestamp(e) &&
  !isDecimal(e);

/** How a value of this Parquet column is written into a column of this type; undefined: it cannot be. */
export function fieldWriter(element: SchemaElement, type: BinaryType): FieldWriter | undefined {
  const scale = isDecimal(element) ? (element.scale ?? 0) : 0;
  switch (type) {
    case "numeric":
      if (isDecimal(element) || isInteger(element)) return (out, v) => out.numeric(rawInteger(v), scale);
      return undefined;
    case "int2":
    case "int4":
      if (isInteger(element) || (isDecimal(element) && scale === 0))
        return type === "int2" ? (out, v) => out.int2(Number(v)) : (out, v) => out.int4(Number(v));
      return undefined;
    case "int8":
      if (isInteger(element) || (isDecimal(element) && scale === 0))
        return (out, v) => out.int8(rawInteger(v));
      return undefined;
    case "date":
      return isDate(element) ? (out, v) => out.date(v as number) : undefined;
    case "time": {
      const unit = timeUnit(element);
      if (unit === "MICROS") return (out, v) => out.time(BigInt(v as bigint));
      if (unit === "MILLIS") return (out, v) => out.time(BigInt(v as number) * 1000n);
      if (unit === "NANOS") return (out, v) => out.time(BigInt(v as bigint) / 1000n);
      return undefined;
    }
    case "timestamp":
      // The raw reader makes every timestamp microseconds since 1970.
      return isTimestamp(element) ? (out, v) => out.timestamp(v as bigint) : undefined;
    case "bool":
      return element.type === "BOOLEAN" ? (out, v) => out.bool(v === true) : undefined;
    case "text":
      // The raw reader hands strings over as their UTF-8 bytes.
      return isString(element)
        ? (out, v) => (v instanceof Uint8Array ? out.bytes(v) : out.text(String(v)))
        : undefined;
  }
}

/** How a Parquet column is stored, for a message: `INT64 (TIME_MICROS)`. */
export function describeElement(element: SchemaElement): string {
  const annotation = element.logical_type?.type ?? element.converted_type;
  return annotation ? `${element.type} (${annotation})` : String(element.type);
}
