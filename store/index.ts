export * from './eventStore.js';
export * from './fileEventStore.js';
export * from './fileLock.js';
export * from './memoryEventStore.js';
export * from './prepareAppend.js';
export * from './storeFs.js';
