export * from './admin.dto';
export * from './admin.response';
