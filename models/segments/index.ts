/**
 * Customer segments: the numeric core (standardisation, K-Means, choice of k, stable ids).
 * Inputs are row-major Float32Array matrices, n rows × d features.
 */
export type { FeatureMatrix } from './matrix.ts';
export type { Scaler } from './standardize.ts';
export { fitScaler, applyScaler, standardize, unscale } from './standardize.ts';
export type { KMeansOptions, KMeansResult, IterationInfo } from './kmeans.ts';
export { kmeans } from './kmeans.ts';
export type { EngineOptions } from './engine.ts';
export { allocateShared, resolveWorkers, warmUpWorkers, shutdownWorkers } from './engine.ts';
export type { Rng } from './rng.ts';
export { createRng } from './rng.ts';
export type { SilhouetteOptions } from './silhouette.ts';
export { silhouetteScore } from './silhouette.ts';
export type { ChooseKOptions, ChooseKResult, KCurvePoint } from './choose-k.ts';
export { chooseK } from './choose-k.ts';
export type { CostMatrix, Assignment } from './hungarian.ts';
export { hungarian } from './hungarian.ts';
export type { StableCentroids, MatchOptions, CentroidMatch } from './match.ts';
export { matchCentroids, toStableLabels } from './match.ts';
export { adjustedRandIndex } from './ari.ts';
export { SegmentsInputError, SegmentsWorkerError } from './errors.ts';
export * from './pipeline/index.ts';
