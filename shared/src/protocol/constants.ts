/** Protocol constants (protocol.md §3–§8). Tunable values are server config; these are the contract defaults. */
export const PROTOCOL_VERSION = 1;
export const PEER_NAMESPACE = '/peer';
export const UI_NAMESPACE = '/ui';
export const SOCKET_PATH = '/socket.io';
export const PING_INTERVAL_MS = 25_000;
export const PING_TIMEOUT_MS = 20_000;
export const MAX_UNANSWERED_EVENTS = 256;
export const ACK_TIMEOUT_MS = 10_000;
export const WELCOME_PEERS_MAX = 500;
export const SUMMARY_MAX_CODEPOINTS = 280;
export const GROUPS_MAX = 32;
export const GROUP_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,31}$/;
export const DISPLAY_NAME_MAX = 64;
export const CWD_MAX = 512;
export const CLIENT_MAX = 64;
export const ACK_IDS_MAX = 500;
export const LIST_PEERS_LIMIT_MAX = 1000;
export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

export const STATUSES = ['idle', 'working', 'dnd'] as const;
export type PeerStatus = (typeof STATUSES)[number];
export const STATUS_SOURCES = ['hook', 'manual', 'inferred'] as const;
export type StatusSource = (typeof STATUS_SOURCES)[number];
export const STATUS_SOURCE_RANK: Record<StatusSource, number> = { hook: 3, manual: 2, inferred: 1 };
export const PRIORITIES = ['now', 'next', 'low'] as const;
export type Priority = (typeof PRIORITIES)[number];
export const ROLES = ['admin', 'member'] as const;
export type MemberRole = (typeof ROLES)[number];
export type MeshRole = 'owner' | MemberRole;
export type EndReason = 'closed' | 'timeout' | 'left' | 'removed' | 'mesh_archived';
export type TerminateReason = 'removed' | 'left' | 'mesh_archived';

/** Unicode control characters (security.md §6.3): C0 with NUL, DEL, and C1 (U+0080–U+009F, e.g. the terminal CSI U+009B). */
export const CONTROL_CHARS = /\p{Cc}/u;
export const hasControlChars = (s: string): boolean => CONTROL_CHARS.test(s);
