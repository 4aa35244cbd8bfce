export * from './app.ts';
export * from './auth.ts';
export * from './env.ts';
export * from './logger.ts';
export * from './problem.ts';
export * from './server.ts';
export * from './startup.ts';
export * from './trace.ts';
