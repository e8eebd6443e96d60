#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so a fresh clone needs no build step.
import "./cli-env.mjs";
import { register } from "tsx/esm/api";

register();
await import("../cli/main.ts");
