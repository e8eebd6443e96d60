import { describe, expect, it } from "vitest";
import { windowedSource } from "../../lib/load/byte-source.js";

const OBJECT = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 7) % 251);

/** A fetch over OBJECT that records each request; `fail` ranges reject. */
function recordingFetch(fail: (start: number) => boolean = () => false) {
  const requests: [number, number][] = [];
  const fetch = (start: number, end: number): Promise<Uint8Array> => {
    requests.push([start, end]);
    return fail(start)
      ? Promise.reject(new Error(`range ${start}-${end} failed`))
      : Promise.resolve(OBJECT.slice(start, end));
  };
  return { requests, fetch };
}

describe("windowedSource", () => {
  it("asks for the next window while one is read, and gives reads across two windows whole", async () => {
    // Prepare: windows of 1,000 bytes; the tail already held.
    const { requests, fetch } = recordingFetch();
    const source = windowedSource(OBJECT.length, fetch, 1_000, { start: 9_000, bytes: OBJECT.slice(9_000) });

    // Act: column chunks one after another, as a reader goes through row groups.
    const reads: [number, number][] = [
      [4, 600],
      [600, 1_400],
      [1_400, 1_900],
      [1_900, 2_100],
      [2_100, 2_900],
      [9_500, 9_600],
    ];
    const got: Uint8Array[] = [];
    for (const [start, end] of reads) got.push(await source.view(start, end));

    // Assess: the bytes asked for; every window asked for once, in order, the next one ahead;
    // the tail read from the bytes it was given.
    reads.forEach(([start, end], i) => expect(got[i]).toEqual(OBJECT.subarray(start, end)));
    expect(requests).toEqual([
      [4, 1_004],
      [1_004, 2_004],
      [2_004, 3_004],
      [3_004, 4_004],
    ]);
    expect(await source.slice(10, 20)).toEqual(OBJECT.slice(10, 20).buffer);
  });

  it("fails a read that needs a window whose request failed, and nothing else", async () => {
    // Prepare: the second window's request fails.
    const { fetch } = recordingFetch((start) => start >= 1_000 && start < 2_000);
    const source = windowedSource(OBJECT.length, fetch, 1_000);

    // Act / Assess
    expect(await source.view(0, 900)).toEqual(OBJECT.subarray(0, 900));
    await expect(source.view(900, 1_100)).rejects.toThrow(/range 1000-2000 failed/);
    expect(await source.view(5_000, 5_010)).toEqual(OBJECT.subarray(5_000, 5_010));
  });

  it("lets a window fetched ahead fail unread without an unhandled rejection", async () => {
    // Prepare: the window after the first fails; the reader then jumps elsewhere.
    const { fetch } = recordingFetch((start) => start >= 1_000 && start < 2_000);
    const source = windowedSource(OBJECT.length, fetch, 1_000);

    // Act: vitest fails the run on an unhandled rejection, which would surface while we wait.
    expect(await source.view(0, 900)).toEqual(OBJECT.subarray(0, 900));
    expect(await source.view(6_000, 6_100)).toEqual(OBJECT.subarray(6_000, 6_100));
    await new Promise((resolve) => setTimeout(resolve, 20));
  });

  it("fetches nothing ahead into the tail it was given, and reads the tail from it", async () => {
    // Prepare: the tail from byte 9,000.
    const { requests, fetch } = recordingFetch();
    const source = windowedSource(OBJECT.length, fetch, 1_000, { start: 9_000, bytes: OBJECT.slice(9_000) });

    // Act: the last row group's chunks, then the footer again.
    const a = await source.view(7_500, 8_200);
    const b = await source.view(8_400, 8_900);
    const c = await source.view(9_000, 9_100);

    // Assess
    expect([a, b, c]).toEqual([
      OBJECT.subarray(7_500, 8_200),
      OBJECT.subarray(8_400, 8_900),
      OBJECT.subarray(9_000, 9_100),
    ]);
    expect(requests).toEqual([
      [7_500, 8_500],
      [8_500, 9_000],
    ]);
  });

  it("serves a read larger than a window in one request of its own", async () => {
    const { requests, fetch } = recordingFetch();
    const source = windowedSource(OBJECT.length, fetch, 1_000);
    expect(await source.view(100, 3_100)).toEqual(OBJECT.subarray(100, 3_100));
    expect(requests[0]).toEqual([100, 3_100]);
    await expect(source.view(9_000, 10_001)).rejects.toThrow(RangeError);
  });
});
