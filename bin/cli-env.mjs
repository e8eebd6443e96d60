// Quiet defaults for a terminal, shared by the CLI and the benchmark (whose stage child
// processes inherit them): handlers log errors only (`--verbose` for more), CloudWatch
// metrics are not printed, and the AWS SDK's notice about Node 20's support window is not
// repeated on every command.
process.env.POWERTOOLS_LOG_LEVEL ??= "ERROR";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
