import { awsTransformDeps } from "../runtime/aws/deps.js";
import { createTransformHandler } from "../runtime/lambda/transform-handler.js";

export const handler = createTransformHandler(awsTransformDeps());
