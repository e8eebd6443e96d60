import { setFlagsFromString } from "node:v8";

/**
 * Keeps V8's young generation at the size it has now, for the rest of the process: the load
 * function's memory then follows what it holds, not how long it has run.
 *
 * V8 doubles the young generation whenever the bytes that survived its scavenges since it last
 * grew exceed its size. The count only adds up, so any load that runs long enough grows it,
 * whatever the object: the 250,000-row object at scale 1 took it from 2 × 8 to 2 × 16 MB (Node's
 * ceiling) where a 4-row one did not, +16 MB of RSS, while its live heap was 10–14 MB larger. On
 * Lambda the ceiling is the bootstrap's `--max-semi-space-size` (a share of the function's
 * memory): with 51 MB, Node 22 grew a steadily allocating process to 128 MB of young generation.
 *
 * The growth factor is the one limit V8 reads when it grows (the sizes are read once, at start,
 * and Lambda's bootstrap sets them on a command line that overrides NODE_OPTIONS), so setting
 * it to 1 from inside the process holds: checked on Node 20 and 22 (test/young-generation.test.ts).
 * A scavenge then comes every few MB of allocation, as at start, each cheap while the load keeps
 * little alive (docs/benchmarks.md: no loss of speed measured).
 */
export function holdYoungGeneration(): void {
  setFlagsFromString("--semi-space-growth-factor=1");
}
