export { defineCampaign, loadCampaign, parseCampaign, parseCampaignText } from './campaign.ts';
export type { Campaign } from './campaign.ts';
export { CampaignSchema } from './schema.ts';
export type { AgentMode, CampaignConfig, CampaignInput, CampaignMode, CampaignSchedule, LeadFilter, RetryPolicy, RobotMode } from './schema.ts';
export { scheduleOpen } from './schedule.ts';
export { compileTemplate, missingVariables, renderTemplate } from './template.ts';
export type { CompiledTemplate } from './template.ts';
