export * from './ceasefire.js';
export * from './deal.js';
export * from './report.js';
export * from './stances.js';
export * from './summary.js';
export * from './timeline.js';
