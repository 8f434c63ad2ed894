import type { PeerSocketData } from '../realtime/realtime.service';

/** The authenticated identity of one /peer connection, fixed at the handshake (security.md §2: `from` comes from here). */
export type PeerContext = PeerSocketData;
