export * from './dynamodb/launcher.ts';
export * from './dynamodb/table.ts';
