export * from './stream/index.ts';
