import { awsExtractDeps } from "../runtime/aws/deps.js";
import { createExtractHandler } from "../runtime/lambda/extract-handler.js";

export const handler = createExtractHandler(awsExtractDeps());
