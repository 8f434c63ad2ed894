/**
 * For the typeorm CLI only (e.g. `npx typeorm -d database/dist/typeorm-cli.data-source.js migration:show`).
 * Note: the CLI does not take the migration lock and does not create schema `mesh`; use `npm run db:migrate` to apply.
 */
import { createDataSource } from './data-source';

export default createDataSource({ url: process.env['DATABASE_URL'] ?? 'postgres://localhost/claudemesh' });
