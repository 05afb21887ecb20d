export * from './eventStore.js';
export * from './memoryEventStore.js';
export * from './prepareAppend.js';
