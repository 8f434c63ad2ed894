export {};
export * from './audit';
export * from './invite';
export * from './mail';
export * from './common';
export * from './auth';
export * from './admin';
export * from './mesh';
export * from './broker';
