#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so a fresh clone needs no build step.
import { register } from "tsx/esm/api";

// Quiet defaults for a terminal: handlers log errors only (--verbose for
// more), CloudWatch metrics are not printed, and the AWS SDK's notice about Node 20's
// support window is not repeated on every command.
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

register();
await import("../cli/main.ts");
