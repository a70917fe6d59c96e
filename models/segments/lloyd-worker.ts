/** Worker side of the K-Means engine: owns one `LloydShard` over a block of shared rows. */
import { parentPort } from 'node:worker_threads';
import { initTf } from '../tf-backend.ts';
import type { WorkerReply, WorkerRequest } from './protocol.ts';
import { LloydShard } from './shard.ts';

const port = parentPort;
if (port === null) throw new Error('lloyd-worker must run in a worker thread');

await initTf();
let shard: LloydShard | undefined;
let rowStart = 0;
let rowEnd = 0;

function open(): LloydShard {
  if (shard === undefined) throw new Error('request before open');
  return shard;
}

function handle(msg: WorkerRequest): WorkerReply {
  switch (msg.op) {
    case 'open': {
      shard?.dispose();
      rowStart = msg.rowStart;
      rowEnd = msg.rowEnd;
      const rows = rowEnd - rowStart;
      const X = new Float32Array(msg.x, msg.xByteOffset + rowStart * msg.d * 4, rows * msg.d);
      const labels = new Int32Array(msg.labels, msg.labelsByteOffset + rowStart * 4, rows);
      shard = new LloydShard(X, rows, msg.d, labels, { chunkRows: msg.chunkRows, center: msg.center });
      return { ok: true, op: 'open', s1: shard.s1, s2: shard.s2 };
    }
    case 'assign': {
      if (shard === undefined) throw new Error('assign before open');
      const r = shard.assign(msg.centroids, msg.k, msg.mode, msg.bounded);
      return { ok: true, op: 'assign', sums: r.sums, counts: r.counts, changed: r.changed, computed: r.computed };
    }
    case 'distances': {
      if (shard === undefined) throw new Error('distances before open');
      const out = new Float32Array(msg.out, msg.outByteOffset + rowStart * 4, rowEnd - rowStart);
      if (msg.relabel !== null) shard.assign(msg.centroids, msg.k, 'labels', msg.relabel.bounded);
      const { total, counts } = shard.distances(msg.centroids, msg.k, out);
      return { ok: true, op: 'distances', total, counts };
    }
    case 'ppBegin':
      return { ok: true, op: 'ppBegin', pot: open().ppBegin(msg.c) };
    case 'ppTrial':
      return { ok: true, op: 'ppTrial', pots: open().ppTrial(msg.P, msg.L) };
    case 'ppCommit':
      return { ok: true, op: 'ppCommit', pot: open().ppCommit(msg.t, msg.c) };
    case 'ppPick': {
      const rows = open().ppPick(msg.targets);
      for (let i = 0; i < rows.length; i++) rows[i] = (rows[i] as number) + rowStart;
      return { ok: true, op: 'ppPick', rows };
    }
    case 'ppEnd':
      open().ppEnd();
      return { ok: true, op: 'ppEnd', pot: 0 };
    case 'close':
      shard?.dispose();
      shard = undefined;
      return { ok: true, op: 'close' };
  }
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
port.postMessage({ ok: true, op: 'ready' });
