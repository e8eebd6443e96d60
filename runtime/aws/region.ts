/** The caller's region for the operators' AWS calls: AWS_REGION, AWS_DEFAULT_REGION, else the stages' (sst.config.ts). */
export const awsRegion = (): string =>
  process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "eu-west-2";
