/** Public links and commands shown for an invite (api.md §5, invites.md §8). */
export const shortUrlOf = (publicUrl: string, code: string): string => `${publicUrl}/i/${code}`;
export const cliCommandOf = (shortUrl: string): string => `claudemesh join ${shortUrl}`;
export const installCommandOf = (publicUrl: string): string => `npm i -g ${publicUrl}/cli/claudemesh.tgz`;
export const joinUrlOf = (publicUrl: string, token: string): string => `${publicUrl}/join/${token}`;
