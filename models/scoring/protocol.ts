/** Messages between the scoring pool (pool.ts) and its workers (worker.ts). */
import type { ContactOutputs, ContactPlan } from '../contact/score-kernel.ts';
import type { ConversionOutputs, ConversionPlan } from '../conversion/score-kernel.ts';
import type { PackedInputs } from './inputs.ts';

export type WorkerRequest =
  | {
      op: 'open';
      /** SharedArrayBuffer-backed inputs and outputs: posted as views, never copied. */
      inputs: PackedInputs;
      conversion: { plan: ConversionPlan; modelJson: Uint8Array; out: ConversionOutputs } | null;
      contact: { plan: ContactPlan; out: ContactOutputs } | null;
    }
  | { op: 'conversion' | 'contact'; start: number; end: number }
  | { op: 'close' };

export type WorkerReply = { ok: true; op: WorkerRequest['op'] | 'ready' } | { ok: false; error: string };
