// A stand-in for the nightly run in another process: opens the warehouse for writing, commits a
// new pipeline run, says "ready" and keeps the file (and DuckDB's lock) until told "close".
import { Warehouse } from '../../../warehouse/index.ts';

const [dataDir, runId] = process.argv.slice(2) as [string, string];
const wh = await Warehouse.open(dataDir);
await wh.run(
  `INSERT INTO pipeline_runs (run_id, kind, as_of, started_at, status, published) VALUES ($1, 'nightly', now(), now(), 'running', false)`,
  [runId],
);
await wh.run('CHECKPOINT');
process.stdout.write('ready\n');
process.stdin.setEncoding('utf8');
process.stdin.on('data', async (chunk: string) => {
  if (!chunk.includes('close')) return;
  await wh.close();
  process.stdout.write('closed\n');
  process.exit(0);
});
