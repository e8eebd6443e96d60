#!/usr/bin/env node
// `npm run bench -- --scale N [--json]`: runs the TypeScript benchmark through tsx.
import "./cli-env.mjs";
import { register } from "tsx/esm/api";

register();
await import("../tools/bench/main.ts");
