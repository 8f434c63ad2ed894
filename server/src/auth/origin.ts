/** True when there is no Origin header or it equals the origin of PUBLIC_URL (api.md §1.3). */
export function originAllowed(originHeader: string | undefined, publicUrl: string): boolean {
  if (originHeader === undefined) return true;
  try {
    return originHeader === new URL(publicUrl).origin;
  } catch {
    return false;
  }
}
