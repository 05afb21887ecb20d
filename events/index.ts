export * from './catalogue.js';
export * from './decode.js';
export * from './errors.js';
export * from './fileChunks.js';
export * from './jsonSchema.js';
export * from './lines.js';
export * from './reader.js';
export * from './upcasters.js';
