export * from './peer-payloads';
export * from './hook-set-status.dto';
