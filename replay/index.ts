export * from './replayer.js';
export * from './replayLog.js';
