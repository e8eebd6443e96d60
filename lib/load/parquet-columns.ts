import { parquetHeader } from "hyparquet/src/column.js";
import { decompressPage, readDataPage, readDataPageV2 } from "hyparquet/src/datapage.js";
import { readPlain } from "hyparquet/src/plain.js";
import type { ColumnDecoder, DecodedArray } from "hyparquet/src/types.js";

/**
 * One flat column chunk (a row group's values of one column, no lists or structs) read page by
 * page with hyparquet's own page decoders, without its Dremel assembly. That assembly walks
 * every value of an OPTIONAL column one at a time even when the page says none is NULL, and
 * DuckDB writes every column OPTIONAL (duckdb/duckdb#22144): it was a third of a large load's
 * decoding, and its output (a JavaScript array per column, a BigInt per INT64 value) was what
 * grew V8's young generation. Here a page without NULLs keeps the array the decoder made, a
 * typed array for numbers, and a chunk of such pages is one typed array.
 */

/** How a page's decoded values become the chunk's (hyparquet's `convert`, or as they are). */
export type PageValues = (values: DecodedArray) => DecodedArray;

interface Piece {
  readonly values: DecodedArray;
  /** Per row, 1 where a value is present; undefined: every row has one. */
  readonly present?: readonly number[];
  readonly rows: number;
}

type TypedArray = Exclude<DecodedArray, unknown[]>;
type TypedArrayOf = new (length: number) => TypedArray;

/** Typed arrays of 8-byte values copied as two 32-bit halves: no BigInt made per value. */
function halves(values: TypedArray): Int32Array | undefined {
  return values.BYTES_PER_ELEMENT === 8
    ? new Int32Array(values.buffer, values.byteOffset, values.length * 2)
    : undefined;
}

/**
 * Dictionary indexes → the dictionary's values, in a typed array when the dictionary is one.
 * An index past the dictionary is refused: a typed array would read it as 0, a wrong value.
 * The largest index is noted in the mapping's own pass and checked after it.
 */
function fromDictionary(indexes: DecodedArray, dictionary: DecodedArray, column: string): DecodedArray {
  const n = indexes.length;
  let largest = 0;
  let out: DecodedArray;
  if (Array.isArray(dictionary)) {
    const values = new Array<unknown>(n);
    for (let i = 0; i < n; i++) {
      const k = indexes[i] as number;
      if (k > largest) largest = k;
      values[i] = dictionary[k];
    }
    out = values;
  } else {
    out = new (dictionary.constructor as TypedArrayOf)(n);
    const from = halves(dictionary);
    const to = halves(out);
    if (from && to) {
      for (let i = 0; i < n; i++) {
        const k = indexes[i] as number;
        if (k > largest) largest = k;
        to[i * 2] = from[k * 2]!;
        to[i * 2 + 1] = from[k * 2 + 1]!;
      }
    } else {
      const source = dictionary as unknown as ArrayLike<number>;
      const target = out as unknown as number[];
      for (let i = 0; i < n; i++) {
        const k = indexes[i] as number;
        if (k > largest) largest = k;
        target[i] = source[k]!;
      }
    }
  }
  if (n > 0 && largest >= dictionary.length)
    throw new Error(`column ${column}: a page points past its dictionary of ${dictionary.length} values`);
  return out;
}

const DICTIONARY_ENCODINGS = new Set(["PLAIN_DICTIONARY", "RLE_DICTIONARY"]);

/** The pieces, one per page, as the chunk's array: NULL where a row has no value. */
function joined(pieces: readonly Piece[], rows: number): ArrayLike<unknown> {
  const first = pieces[0];
  if (pieces.length === 1 && first && !first.present && first.values.length === rows) return first.values;
  const typed =
    first !== undefined &&
    !Array.isArray(first.values) &&
    pieces.every((p) => !p.present && p.values.constructor === first.values.constructor);
  if (typed) {
    const out = new ((first.values as TypedArray).constructor as TypedArrayOf)(rows);
    let at = 0;
    for (const piece of pieces) {
      (out as unknown as { set(a: ArrayLike<unknown>, at: number): void }).set(piece.values, at);
      at += piece.rows;
    }
    return out;
  }
  const out = new Array<unknown>(rows);
  let at = 0;
  for (const { values, present, rows: n } of pieces) {
    if (!present) for (let i = 0; i < n; i++) out[at + i] = values[i];
    else for (let i = 0, v = 0; i < n; i++) out[at + i] = present[i] ? values[v++] : null;
    at += n;
  }
  return out;
}

/**
 * The values of one flat column chunk (`bytes`: from its first page to its last), `rows` of
 * them, NULL as null. `pageValues` turns each page's (or the dictionary's) decoded values into
 * the caller's; a page that ends early, or a chunk of another row count, is refused.
 */
export function readFlatColumn(
  bytes: Uint8Array,
  decoder: ColumnDecoder,
  rows: number,
  pageValues: PageValues,
): ArrayLike<unknown> {
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const pieces: Piece[] = [];
  let dictionary: DecodedArray | undefined;
  let read = 0;
  while (read < rows && reader.offset < bytes.byteLength) {
    const header = parquetHeader(reader);
    const compressed = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    if (compressed.byteLength < header.compressed_page_size)
      throw new Error(`column ${decoder.element.name}: a page runs past its column chunk`);
    reader.offset += header.compressed_page_size;
    const uncompressed = () =>
      decompressPage(compressed, header.uncompressed_page_size, decoder.codec, decoder.compressors);
    if (header.type === "DICTIONARY_PAGE") {
      const page = uncompressed();
      const count = header.dictionary_page_header?.num_values ?? 0;
      const pageReader = { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset: 0 };
      dictionary = pageValues(readPlain(pageReader, decoder.type, count, decoder.element.type_length));
      continue;
    }
    let page: { definitionLevels: number[] | undefined; dataPage: DecodedArray };
    let encoding: string;
    let nulls: boolean;
    if (header.type === "DATA_PAGE" && header.data_page_header) {
      page = readDataPage(uncompressed(), header.data_page_header, decoder);
      encoding = header.data_page_header.encoding;
      // The decoder leaves a page's definition levels empty when none of its rows is NULL.
      nulls = (page.definitionLevels?.length ?? 0) > 0;
    } else if (header.type === "DATA_PAGE_V2" && header.data_page_header_v2) {
      page = readDataPageV2(compressed, header, decoder);
      encoding = header.data_page_header_v2.encoding;
      nulls = header.data_page_header_v2.num_nulls > 0;
    } else if (header.type === "INDEX_PAGE") {
      continue;
    } else {
      throw new Error(`column ${decoder.element.name}: a ${header.type} page cannot be read`);
    }
    let values: DecodedArray;
    if (DICTIONARY_ENCODINGS.has(encoding)) {
      if (!dictionary) throw new Error(`column ${decoder.element.name}: a dictionary page is missing`);
      values = fromDictionary(page.dataPage, dictionary, decoder.element.name);
    } else {
      values = pageValues(page.dataPage);
    }
    const levels = page.definitionLevels ?? [];
    if (nulls && levels.length === 0)
      throw new Error(`column ${decoder.element.name}: a page has NULLs but no definition levels`);
    const present = nulls ? levels.map((level) => (level > 0 ? 1 : 0)) : undefined;
    // Every value placed, none left over: a header that miscounts its NULLs is refused.
    const placed = present ? present.reduce((sum: number, p) => sum + p, 0) : values.length;
    if (placed !== values.length)
      throw new Error(
        `column ${decoder.element.name}: a page's levels place ${placed} values, it holds ${values.length}`,
      );
    const pageRows = present ? present.length : values.length;
    pieces.push({ values, present, rows: pageRows });
    read += pageRows;
  }
  if (read !== rows)
    throw new Error(`column ${decoder.element.name}: its pages hold ${read} rows, its row group ${rows}`);
  return joined(pieces, rows);
}
