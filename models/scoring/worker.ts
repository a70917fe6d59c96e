/**
 * Worker side of the scoring pool: holds one scoring job's kernels (a single-threaded XGBoost
 * booster, the compiled trees, the contact tower on its own tfjs WASM backend) and scores the row
 * ranges it is sent straight into the shared outputs.
 */
import { parentPort } from 'node:worker_threads';
import { ContactKernel } from '../contact/score-kernel.ts';
import { TreePaths } from '../conversion/paths.ts';
import { scoreConversionRows, type ConversionOutputs, type ConversionPlan } from '../conversion/score-kernel.ts';
import { initTf } from '../tf-backend.ts';
import { Booster } from '../xgboost/index.ts';
import type { ContactOutputs } from '../contact/score-kernel.ts';
import type { PackedInputs } from './inputs.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';

const port = parentPort;
if (port === null) throw new Error('the scoring worker must run in a worker thread');

interface Job {
  inputs: PackedInputs;
  conversion: { plan: ConversionPlan; booster: Booster; paths: TreePaths | null; out: ConversionOutputs } | null;
  contact: { kernel: ContactKernel; out: ContactOutputs } | null;
}
let job: Job | undefined;

// The compiled trees of the last model (paths.ts) are kept across jobs: V8 optimises the
// generated code only after running it a while, and the next job is usually the same model.
let lastPaths: { modelJson: Uint8Array; iterationEnd: number; ncol: number; paths: TreePaths } | undefined;

function pathsFor(modelJson: Uint8Array, iterationEnd: number, ncol: number): TreePaths {
  const c = lastPaths;
  if (c && c.iterationEnd === iterationEnd && c.ncol === ncol && Buffer.compare(c.modelJson, modelJson) === 0) return c.paths;
  const paths = new TreePaths(Buffer.from(modelJson).toString('utf8'), iterationEnd, ncol);
  lastPaths = { modelJson, iterationEnd, ncol, paths };
  return paths;
}

function close(): void {
  job?.conversion?.booster.dispose();
  job?.contact?.kernel.dispose();
  job = undefined;
}

function handle(msg: WorkerRequest): WorkerReply {
  switch (msg.op) {
    case 'open': {
      close();
      const opened: Job = { inputs: msg.inputs, conversion: null, contact: null };
      job = opened;
      if (msg.conversion) {
        const { plan, modelJson, out } = msg.conversion;
        // one thread per booster: the pool already keeps every core busy with one worker each
        const booster = Booster.fromBuffer(modelJson, { nthread: 1 });
        opened.conversion = { plan, booster, out, paths: null };
        if (plan.mode === 'approx') opened.conversion.paths = pathsFor(modelJson, plan.iterationEnd, plan.ncol);
      }
      if (msg.contact) opened.contact = { kernel: new ContactKernel(msg.contact.plan), out: msg.contact.out };
      return { ok: true, op: 'open' };
    }
    case 'conversion': {
      const c = job?.conversion;
      if (!job || !c) throw new Error('conversion rows sent before the job was opened with a conversion model');
      scoreConversionRows(c.plan, c.booster, c.paths, job.inputs, msg.start, msg.end, c.out);
      return { ok: true, op: 'conversion' };
    }
    case 'contact': {
      const c = job?.contact;
      if (!job || !c) throw new Error('contact rows sent before the job was opened with a contact model');
      c.kernel.run(job.inputs, msg.start, msg.end, c.out);
      return { ok: true, op: 'contact' };
    }
    case 'close':
      close();
      return { ok: true, op: 'close' };
  }
}

try {
  await initTf();
  port.postMessage({ ok: true, op: 'ready' } satisfies WorkerReply);
} catch (e) {
  port.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
}
port.on('message', (msg: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = handle(msg);
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  port.postMessage(reply);
});
