export * from './embedded.ts';
export * from './migrate.ts';
export * from './outbox.ts';
export * from './periodic-job.ts';
export * from './pool.ts';
export * from './prepared.ts';
export * from './service-database.ts';
export * from './tx.ts';
