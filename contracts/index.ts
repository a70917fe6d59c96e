export * from './errors.ts';
export * from './call-attempt.ts';
export * from './mapping.ts';
export * from './published-run.ts';
export * from './random.ts';
export * from './drift.ts';
