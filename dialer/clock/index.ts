export { SimulatedClock } from './clock.ts';
export type { Clock } from './clock.ts';
