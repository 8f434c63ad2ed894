import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS } from '@claudemesh/shared/protocol';

/** Reconnect delay (protocol.md §4): exponential from 1 s, doubling, capped at 30 s, with ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** Math.max(0, attempt));
  const jitter = 1 + (random() * 2 - 1) * 0.2;
  return Math.round(base * jitter);
}
