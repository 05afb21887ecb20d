export * from './jsonChunks.js';
export * from './replayer.js';
export * from './replayLog.js';
