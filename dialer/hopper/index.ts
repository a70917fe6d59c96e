export { Hopper } from './hopper.ts';
export type { HopperOptions, HopperPick, PassStats } from './hopper.ts';
export { LeadGroups } from './groups.ts';
export type { ZoneGate } from './groups.ts';
export { denseScores, publishedScores, randomOrderScores, scoresFromFunctions } from './score-source.ts';
export type { ScoreSource } from './score-source.ts';
