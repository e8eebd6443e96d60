import { awsLoadDeps } from "../runtime/aws/deps.js";
import { createLoadHandler } from "../runtime/lambda/load-handler.js";

export const handler = createLoadHandler(awsLoadDeps());
