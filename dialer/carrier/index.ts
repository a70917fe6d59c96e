export type { Carrier, CarrierEvent, CarrierEventType, ConversationResult, OriginateRequest } from './carrier.ts';
export { SimulatedCarrier } from './simulated.ts';
export type { CallOutcomeModel, CalleeContext, SimulatedCarrierOptions, TalkOutcome } from './simulated.ts';
export { ToyOutcomeModel, toyLeadTable } from './toy-model.ts';
export type { ToyLeadsOptions, ToyOutcomeModelOptions } from './toy-model.ts';
