/**
 * truce: an event-sourced state machine for phased ceasefire and exchange negotiations.
 * The package's public API: the event catalogue, the deal statechart, projections and replay.
 */
export * from './events/index.js';
export * from './machines/index.js';
export * from './projections/index.js';
export * from './replay/index.js';
export * from './store/index.js';
