export * from './mesh.dto';
export * from './mesh.response';
