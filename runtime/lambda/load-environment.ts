/**
 * What the load function's process is started with beyond every function's environment: set
 * on the Lambda (stacks/functions.ts) and on the benchmark's load child, its stand-in
 * (tools/bench/child.ts). No imports: the SST config reads it too.
 *
 * `MALLOC_ARENA_MAX=1`: glibc gives each thread an arena of its own on its first `malloc` (up
 * to eight per core), and memory freed into one arena is not reused by another. V8's helper
 * threads (concurrent marking and sweeping, which frees the array buffers a load goes through)
 * filled arenas of their own: loading a 250,000-row part alone peaked 123, 132 and 156 MB
 * against 96–100 MB for a 4-row object; with one arena 115, 117 and 148 MB against 92–95 MB, at
 * the same speed (docs/benchmarks.md, sixth pass). glibc reads it as the process starts, as
 * Lambda's runtime (Amazon Linux, glibc) starts the function.
 */
export const LOAD_ENVIRONMENT = { MALLOC_ARENA_MAX: "1" } as const;
