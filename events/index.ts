export * from './catalogue.js';
export * from './decode.js';
export * from './errors.js';
export * from './upcasters.js';
