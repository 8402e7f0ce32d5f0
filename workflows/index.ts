// Every workflow the worker registers. Deterministic code only (see eslint.config.js).
export { businessWorkflow } from './business/workflow.js';
export { smokeWorkflow } from './smoke.js';
