export * from './migrations.js';
export * from './pgErrors.js';
export * from './postgresEventStore.js';
export * from './storeUrl.js';
export * from './streamName.js';
