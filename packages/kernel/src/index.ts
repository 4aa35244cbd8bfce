export * from './assert.ts';
export * from './backoff.ts';
export * from './clock.ts';
export * from './config.ts';
export * from './errors.ts';
export * from './events.ts';
export * from './group-commit.ts';
export * from './ids.ts';
