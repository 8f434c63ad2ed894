export * from './entities';
export * from './migrations';
export * from './data-source';
export * from './testing/test-database';
export * from './embedded-postgres';
export * from './testing/requirements';
export * from './testing/redis-server';
