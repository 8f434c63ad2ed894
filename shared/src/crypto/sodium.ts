import _sodium from 'libsodium-wrappers';

/** libsodium must finish loading its WASM before any call; every helper here assumes `await cryptoReady()` ran. */
let loaded: Promise<typeof _sodium> | undefined;

export function cryptoReady(): Promise<typeof _sodium> {
  if (!loaded) loaded = _sodium.ready.then(() => _sodium);
  return loaded;
}

/** The loaded libsodium instance. Throws if cryptoReady() has not completed. */
export function sodium(): typeof _sodium {
  if (!_sodium.crypto_sign_detached) throw new Error('libsodium is not ready: await cryptoReady() first');
  return _sodium;
}
