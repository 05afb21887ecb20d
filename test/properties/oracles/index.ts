export * from './dealModel.js';
export * from './figures.js';
