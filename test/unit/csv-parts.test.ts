import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { putCsvParts, RecordEnds, partBoundFrom } from "../../lib/extract/csv-parts.js";
import type { ObjectStore } from "../../lib/store/object-store.js";

/** An object store that keeps what is put in memory, in the order the puts completed. */
function memoryStore() {
  const objects = new Map<string, string>();
  const store = {
    async putStream(_bucket: string, key: string, body: Readable) {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(Buffer.from(chunk as Buffer));
      objects.set(key, Buffer.concat(chunks).toString("utf8"));
    },
  } as unknown as ObjectStore;
  return { store, objects };
}

/** A COPY-like stream of `text` cut into chunks of `size` bytes. */
async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text, "utf8");
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

const keyOf = (part?: number) => (part === undefined ? "t.csv" : `t-${part}.csv`);

// Rows with quoted newlines, doubled quotes and commas: a naive cut at any newline breaks them.
const HEADER = "id,note\n";
const ROWS = Array.from({ length: 23 }, (_, i) =>
  i % 3 === 0 ? `${i},"line one\nline ""two"", with comma"\n` : i % 3 === 1 ? `${i},\n` : `${i},plain\n`,
);
const CSV = HEADER + ROWS.join("");

describe("RecordEnds", () => {
  it("finds the newlines that end records, whatever the chunking", () => {
    const expected = parse(CSV, { columns: true }).length;
    for (const size of [1, 2, 3, 7, 64, 10_000]) {
      // Prepare
      const ends = new RecordEnds();

      // Act
      let count = 0;
      for (let i = 0; i < CSV.length; i += size)
        count += ends.scan(Buffer.from(CSV.slice(i, i + size))).length;

      // Assess: the header's newline is a record end too.
      expect(count, `chunks of ${size}`).toBe(expected + 1);
    }
  });
});

describe("putCsvParts", () => {
  it.each([1, 5, 64, 100_000])(
    "cuts at record ends, every part with the header (chunks of %i bytes)",
    async (size) => {
      // Prepare
      const { store, objects } = memoryStore();

      // Act
      const parts = await putCsvParts(store, "b", keyOf, chunked(CSV, size), { rows: 5, bytes: 1 << 20 });

      // Assess
      expect(parts.map((p) => p.key)).toEqual(["t-1.csv", "t-2.csv", "t-3.csv", "t-4.csv", "t-5.csv"]);
      expect(parts.map((p) => p.rows)).toEqual([5, 5, 5, 5, 3]);
      const rows = parts.flatMap((p) => {
        const text = objects.get(p.key)!;
        expect(text.startsWith(HEADER)).toBe(true);
        expect(p.bytes).toBe(Buffer.byteLength(text));
        return parse(text, { columns: true }) as Record<string, string>[];
      });
      expect(rows).toEqual(parse(CSV, { columns: true }));
    },
  );

  it("cuts by bytes too, after the record that reaches the bound", async () => {
    const { store, objects } = memoryStore();

    const parts = await putCsvParts(store, "b", keyOf, chunked(CSV, 16), { rows: 1000, bytes: 100 });

    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts.slice(0, -1)) expect(p.bytes).toBeGreaterThanOrEqual(100);
    expect(parts.reduce((n, p) => n + p.rows, 0)).toBe(ROWS.length);
    expect(parts.flatMap((p) => parse(objects.get(p.key)!, { columns: true }))).toEqual(
      parse(CSV, { columns: true }),
    );
  });

  it("keeps the plain name for a window that fits in one part, even one that ends exactly at the bound", async () => {
    const { store, objects } = memoryStore();

    const fits = await putCsvParts(store, "b", keyOf, chunked(CSV, 64), {
      rows: ROWS.length,
      bytes: 1 << 20,
    });

    expect(fits).toEqual([{ key: "t.csv", rows: ROWS.length, bytes: Buffer.byteLength(CSV) }]);
    expect(objects.get("t.csv")).toBe(CSV);
  });

  it("writes nothing for a window with no rows", async () => {
    const { store, objects } = memoryStore();

    expect(await putCsvParts(store, "b", keyOf, chunked(HEADER, 3))).toEqual([]);
    expect(await putCsvParts(store, "b", keyOf, chunked("", 3))).toEqual([]);
    expect(objects.size).toBe(0);
  });
});

describe("partBoundFrom", () => {
  it("reads TOTES_PART_ROWS and TOTES_PART_BYTES over the default, and refuses nonsense", () => {
    expect(partBoundFrom({ TOTES_PART_ROWS: "1000" })).toEqual({ rows: 1000, bytes: 64 * 1024 * 1024 });
    expect(() => partBoundFrom({ TOTES_PART_BYTES: "0" })).toThrow(/TOTES_PART_BYTES/);
    expect(() => partBoundFrom({ TOTES_PART_ROWS: "1e3x" })).toThrow(/TOTES_PART_ROWS/);
  });
});
