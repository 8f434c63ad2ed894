import { isId, fromBase64Url, toBase64Url, utf8 } from '@claudemesh/shared/crypto';
import { AppError } from '@claudemesh/shared/errors';

/**
 * Opaque list cursors (api.md §1.5): the id of the last row of the page. Lists are keyset-paged on
 * (created_at, id) with the cursor row's exact timestamp read in SQL, so no precision is lost.
 */
export const encodeCursor = (id: string): string => toBase64Url(utf8(`c1:${id}`));

const invalidCursor = (): AppError =>
  new AppError('validation_failed', 'cursor is not a cursor from a previous page', {
    fields: [{ field: 'cursor', message: 'cursor is not a cursor from a previous page' }],
  });

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const raw = fromBase64Url(cursor);
  const text = raw ? Buffer.from(raw).toString('utf8') : '';
  const id = text.startsWith('c1:') ? text.slice(3) : '';
  if (!isId(id)) throw invalidCursor();
  return id;
}

/**
 * A well-formed cursor must still name a row of the list it pages (its table, within the list's scope, e.g. the same
 * mesh): an edited or foreign cursor is 400, not a silently empty page. Rows of these tables are never deleted while
 * they can be listed, so a real cursor always passes.
 */
export async function assertCursorRow(
  db: { query(sql: string, params: unknown[]): Promise<unknown[]> },
  table: string,
  id: string,
  scope: Record<string, string> = {},
): Promise<void> {
  const cols = Object.keys(scope);
  const where = ['id = $1', ...cols.map((c, i) => `${c} = $${i + 2}`)].join(' AND ');
  const rows = await db.query(`SELECT 1 FROM mesh.${table} WHERE ${where}`, [id, ...cols.map((c) => scope[c])]);
  if (rows.length === 0) throw invalidCursor();
}

/** Slices one extra row to know whether another page exists. */
export function pageOf<R extends { id: string }, T>(rows: R[], limit: number, map: (r: R) => T): { data: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { data: page.map(map), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null };
}
