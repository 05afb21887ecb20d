export * from './golden.js';
export * from './scenario.js';
