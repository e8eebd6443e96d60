/** The operators' errors live beneath both runtimes, which raise them too (runtime/ops/errors.ts). */
export { OpsError, StageResolutionError } from "../runtime/errors.js";
