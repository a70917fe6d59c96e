/** The dialer's public API. Compliance for now; the hopper, pacing and carrier adapters join later. */
export * from './compliance/index.ts';
