import { awsLoadDeps } from "../runtime/aws/deps.js";
import { createLoadHandler } from "../runtime/lambda/load-handler.js";
import { holdYoungGeneration } from "../runtime/lambda/young-generation.js";

holdYoungGeneration();

export const handler = createLoadHandler(awsLoadDeps());
