import pkg from '../package.json';

export const CLI_VERSION: string = pkg.version;
export const CLIENT_NAME = `claudemesh-cli/${CLI_VERSION}`;
