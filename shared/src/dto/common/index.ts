export * from './validators';
export * from './page';
export * from './json-schema';
