import { describe, expect, it } from "vitest";
import { isExtractState } from "../../lib/extract/state.js";
import { StateFileError, parseStateFile } from "../../lib/pipeline/state-file.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("parseStateFile", () => {
  it("returns a state object of the expected shape", () => {
    const state = {
      version: 2,
      tables: { staff: { since: "741", lastObjectKey: "k", lastRows: 2, lastExtractedAt: "t" } },
    };
    expect(
      parseStateFile("_state/extract.json", bytes(JSON.stringify(state)), "high marks", isExtractState),
    ).toEqual(state);
  });

  it("names the object when it is not JSON", () => {
    expect(() => parseStateFile("_state/extract.json", bytes("{oops"), "high marks", isExtractState)).toThrow(
      /state object _state\/extract\.json: not JSON/,
    );
  });

  it("names the object and the expected shape when the JSON is something else", () => {
    const call = () =>
      parseStateFile(
        "_state/extract.json",
        bytes(JSON.stringify({ version: 3, tables: {} })),
        "high marks",
        isExtractState,
      );
    expect(call).toThrow(StateFileError);
    expect(call).toThrow(/_state\/extract\.json: not high marks/);
  });
});
