import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreconditionFailedError } from "../../lib/store/object-store.js";
import { startObjectStore, type TestObjectStore } from "../helpers/object-store.js";

/*
 * The load reads an object by range (its tail for the footer, then windows of row groups), all
 * of one version: against a real S3-compatible endpoint.
 */
describe("reading an object by range", () => {
  let s3: TestObjectStore;
  const bytes = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251));
  beforeAll(async () => {
    s3 = await startObjectStore();
    await s3.store.putBytes(s3.processedBucket, "big.bin", bytes);
    await s3.store.putBytes(s3.processedBucket, "small.bin", bytes.subarray(0, 10));
  });
  afterAll(async () => {
    await s3?.stop();
  });

  it("gives an object's tail with its size and version in one request", async () => {
    const head = await s3.store.head(s3.processedBucket, "big.bin");
    const tail = await s3.store.getTail(s3.processedBucket, "big.bin", 4096);
    expect(tail?.size).toBe(bytes.length);
    expect(tail?.etag).toBe(head?.etag);
    expect(Buffer.compare(tail!.tail, bytes.subarray(bytes.length - 4096))).toBe(0);
  });

  it("gives all of an object smaller than the tail asked for, and nothing for a missing one", async () => {
    const tail = await s3.store.getTail(s3.processedBucket, "small.bin", 4096);
    expect(tail?.size).toBe(10);
    expect(Buffer.compare(tail!.tail, bytes.subarray(0, 10))).toBe(0);
    expect(await s3.store.getTail(s3.processedBucket, "no-such.bin", 4096)).toBeUndefined();
  });

  it("gives the same tail when told the object's size, and the right one when told a wrong size", async () => {
    const plain = await s3.store.getTail(s3.processedBucket, "big.bin", 4096);
    for (const size of [bytes.length, bytes.length - 1, bytes.length + 500, 10]) {
      const tail = await s3.store.getTail(s3.processedBucket, "big.bin", 4096, size);
      expect(tail).toEqual(plain);
    }
    const small = await s3.store.getTail(s3.processedBucket, "small.bin", 4096, 10);
    expect(small?.size).toBe(10);
    expect(Buffer.compare(small!.tail, bytes.subarray(0, 10))).toBe(0);
    expect(await s3.store.getTail(s3.processedBucket, "no-such.bin", 4096, 100)).toBeUndefined();
  });

  it("gives a range of the version it names, and refuses another version's", async () => {
    const head = await s3.store.head(s3.processedBucket, "big.bin");
    const range = await s3.store.getRange(s3.processedBucket, "big.bin", 1000, 3000, head!.etag);
    expect(Buffer.compare(range, bytes.subarray(1000, 3000))).toBe(0);
    await expect(
      s3.store.getRange(s3.processedBucket, "big.bin", 0, 10, '"0123456789abcdef0123456789abcdef"'),
    ).rejects.toBeInstanceOf(PreconditionFailedError);
  });
});
