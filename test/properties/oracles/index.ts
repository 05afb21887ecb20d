export * from '../../../testing/generator/dealModel.js';
export * from './figures.js';
export * from './halfUp.js';
