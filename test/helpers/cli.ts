/**
 * A command's stderr after its first line, `data dir: …`, which every command that keeps
 * local state prints (issue 24): what the tests assert about the rest stays as it was.
 */
export function afterDataDirLine(stderr: string): string {
  return stderr.startsWith("data dir: ") ? stderr.slice(stderr.indexOf("\n") + 1) : stderr;
}
