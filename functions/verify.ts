import { awsVerifyDeps } from "../runtime/aws/deps.js";
import { createVerifyHandler } from "../runtime/lambda/verify-handler.js";

export const handler = createVerifyHandler(awsVerifyDeps());
