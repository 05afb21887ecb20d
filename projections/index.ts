export * from './deal.js';
export * from './report.js';
export * from './summary.js';
export * from './timeline.js';
