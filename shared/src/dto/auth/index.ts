export * from './auth.dto';
export * from './auth.response';
