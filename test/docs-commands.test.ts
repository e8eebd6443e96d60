import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { CommanderError, type Command } from "commander";
import { describe, expect, it, vi } from "vitest";
import { buildProgram } from "../cli/program.js";

// Every `npx totes …` the README and docs/ show goes through the command line's own parsing
// (commands, options, their parsers), so the docs cannot drift from the commands (issue 24).
const root = path.resolve(import.meta.dirname, "..");
const files = ["README.md", ...readdirSync(path.join(root, "docs")).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith(".md"),
);

/** Placeholders the docs use for values, and a value of the right shape for each. */
const VALUES: Record<string, string> = {
  N: "2",
  URL: "postgres://reader@db/totesys",
  DIR: "/tmp/totes-docs",
  S: "production",
  T: "design",
  F: "0.1",
  KEY: "design/2024/11/15/x.csv",
  TEXT: "why",
};

/** The command a doc shows, as argv: optional parts kept, the first of alternatives taken. */
export function argvOf(text: string): string[] {
  const line = text
    .split(/ && | ; |\)|`| # | > /)[0]!
    .replaceAll("\\|", "|")
    .replaceAll(/[[\]]/g, " ")
    .replaceAll("…", " ");
  const words = [...line.matchAll(/"([^"]*)"|'([^']*)'|(<[^>]*>|\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const argv: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (word === "|") {
      // An alternative: skip it (an option and its values).
      i++;
      while (i + 1 < words.length && !words[i + 1]!.startsWith("-") && words[i + 1] !== "|") i++;
      continue;
    }
    const first = word.split("|")[0]!.replace(/[.,:]+$/, "");
    if (!first) continue;
    argv.push(VALUES[first] ?? first.replace(/^<(.*)>$/, (_, name: string) => name.replaceAll(" ", "-")));
  }
  return argv;
}

function shownCommands(): { where: string; text: string }[] {
  const found: { where: string; text: string }[] = [];
  for (const file of files) {
    const lines = readFileSync(path.join(root, file), "utf8").split("\n");
    lines.forEach((line, i) => {
      // A shell line continued with a trailing backslash is one command.
      let whole = line;
      for (let next = i + 1; whole.endsWith("\\") && next < lines.length; next++)
        whole = `${whole.slice(0, -1)} ${lines[next]!.trim()}`;
      for (const m of whole.matchAll(/npx totes ([^`\n]*)/g))
        found.push({ where: `${file}:${i + 1}`, text: m[1]! });
    });
  }
  return found;
}

/** Parses argv as `totes` would, running no action; the error commander raised, if any. */
async function parse(argv: string[]): Promise<string | undefined> {
  const program = buildProgram("0.0.0-docs");
  const quiet = (command: Command) => {
    command.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
    if (command.commands.length === 0) command.action(() => undefined);
    command.commands.forEach(quiet);
  };
  quiet(program);
  const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
  try {
    await program.parseAsync(argv, { from: "user" });
    return undefined;
  } catch (e) {
    if (
      e instanceof CommanderError &&
      ["commander.version", "commander.helpDisplayed", "commander.help"].includes(e.code)
    )
      return undefined;
    return e instanceof Error ? e.message : String(e);
  } finally {
    error.mockRestore();
  }
}

describe("the commands the README and docs/ show", () => {
  it("finds them (the scan itself works)", () => {
    const commands = shownCommands();
    expect(commands.length).toBeGreaterThan(40);
    expect(argvOf("verify [--table T …] [--json] [--stage S | --data-dir DIR]")).toEqual([
      "verify",
      "--table",
      "design",
      "--json",
      "--stage",
      "production",
    ]);
    expect(argvOf("dlq list\\|show\\|replay")).toEqual(["dlq", "list"]);
  });

  it("each parses: a known command, known options, values of the right shape", async () => {
    const failures: string[] = [];
    for (const { where, text } of shownCommands()) {
      const argv = argvOf(text);
      const error = await parse(argv);
      if (error) failures.push(`${where}: npx totes ${argv.join(" ")}: ${error}`);
    }
    expect(failures).toEqual([]);
  });

  it.runIf(existsSync(path.join(root, "../shared/SPEC.md")))(
    "docs/contract.md is the project's current SPEC.md",
    () => {
      expect(readFileSync(path.join(root, "docs/contract.md"), "utf8")).toBe(
        readFileSync(path.join(root, "../shared/SPEC.md"), "utf8"),
      );
    },
  );

  it("the README is short enough to read in a minute, and says how to start over", () => {
    const readme = readFileSync(path.join(root, "README.md"), "utf8");
    expect(readme.split("\n").length).toBeLessThanOrEqual(150);
    expect(readme).toContain("npx totes clean");
    expect(readme).toContain("npm test");
    expect(readme).not.toContain("shared project folder");
  });
});
