export * from './codes.js';
export * from './context.js';
export * from './deal.js';
export * from './explain.js';
export * from './rules.js';
