/** Display-only slug of a mesh name (protocol.md §1); never unique. */
export function slugify(name: string): string {
  let s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  s = s.replace(/^-+/, '').replace(/-+$/, '');
  s = s.slice(0, 40).replace(/-+$/, '');
  return s === '' ? 'mesh' : s;
}
