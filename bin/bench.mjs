#!/usr/bin/env node
// `npm run bench -- --scale N [--json]`: runs the TypeScript benchmark through tsx.
import { register } from "tsx/esm/api";

// Handlers log errors only, CloudWatch metrics are not printed, and the AWS SDK's Node 20
// notice is not repeated in every stage's child process (they inherit this environment).
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

register();
await import("../bench/main.ts");
