export * from './parts.ts';
export * from './run-service.ts';
