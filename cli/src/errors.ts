/** Exit codes (protocol.md §10). */
export const EXIT = {
  ok: 0,
  failure: 1,
  refused: 2,
  invalidArgs: 3,
  notFound: 4,
  unreachable: 5,
  inviteUnusable: 6,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure shown to the user as one line, with its exit code. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** The server's error code (api.md §9) when the failure came from the API. */
    readonly apiCode?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
