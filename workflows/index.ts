// Every workflow the worker registers. Deterministic code only (see eslint.config.js).
// New business workflows start under the type naming their business type; businessWorkflow
// stays registered for the workflows started under it before (and the committed histories).
export {
  businessWorkflow,
  HoaAcquisitionWorkflow,
  MunicipalLienSearchWorkflow,
  PayoffWorkflow,
} from './business/workflow.js';
export { smokeWorkflow } from './smoke.js';
