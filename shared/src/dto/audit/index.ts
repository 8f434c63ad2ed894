export * from './audit-list-query.dto';
