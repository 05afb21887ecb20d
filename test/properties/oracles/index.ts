export * from '../../../testing/generator/dealModel.js';
export * from './figures.js';
export * from './v1Keys.js';
