export * from './enums.js';
export * from './parties.js';
export * from './calendars.js';
export * from './workflows.js';
export * from './communications.js';
export * from './documents.js';
export * from './audit.js';
export * from './billing.js';
