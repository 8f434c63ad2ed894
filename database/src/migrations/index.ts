import { InitSchema1767225600000 } from './1767225600000-InitSchema';
import { Meshes1767225700000 } from './1767225700000-Meshes';
import { Messaging1767225800000 } from './1767225800000-Messaging';
import { AuditAndMail1767225900000 } from './1767225900000-AuditAndMail';

export { InitSchema1767225600000, Meshes1767225700000, Messaging1767225800000, AuditAndMail1767225900000 };

/** Every migration, in order (data-model.md §5). A shipped migration is never edited; add a new one. */
export const ALL_MIGRATIONS = [
  InitSchema1767225600000,
  Meshes1767225700000,
  Messaging1767225800000,
  AuditAndMail1767225900000,
];
