export { PredictivePacer, RobotPacer } from './pacing.ts';
export type { AgentFloor } from './pacing.ts';
export { RollingAbandonWindow, maxRollingAbandonShare } from './abandon-window.ts';
