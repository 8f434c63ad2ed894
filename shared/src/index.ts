export * from './crypto';
export * from './errors';
export * from './protocol';
export * from './dto';
