/**
 * Child process for the kill -9 test: appends outcome records to `<dir>` forever, printing
 * `synced <n>` after every fsync (stdout is a pipe: synchronous on Linux, so a printed count is
 * durable before the parent can read it). The parent SIGKILLs it mid-stream.
 */
import { OutcomeLog } from '../../dialer/index.ts';
import type { OutcomeRecord } from '../../dialer/index.ts';

const dir = process.argv[2]!;
const log = OutcomeLog.open({
  dir,
  dialerId: 'killme',
  syncEveryRecords: 25,
  syncEveryMs: 60_000,
  maxRecordsPerSegment: 100_000_000, // one segment, however fast it runs before the kill
  onSync: (n) => process.stdout.write(`synced ${n}\n`),
});
const base = Date.parse('2024-06-11T09:00:00Z');
for (let i = 0; ; i++) {
  const r: OutcomeRecord = {
    attempt_id: `kill-${i}`,
    campaign_id: 'camp',
    customer_id: `C${i % 1000}`,
    phone_hash: null,
    started_at: new Date(base + i * 1000).toISOString(),
    disposition: i % 3 === 0 ? 'answered' : 'no_answer',
    ring_seconds: 5,
    talk_seconds: i % 3 === 0 ? 60 : 0,
    converted: false,
    conversion_value: null,
    opted_out: false,
    handled_by: i % 3 === 0 ? 'agent' : null,
    transferred: false,
    arm: 'model',
    propensity: 0.9,
    model_versions: { conversion: 'x' },
    // lines of varying length, some long, so a kill can land inside a write
    source: 'x'.repeat(i % 4000),
  };
  log.append(r);
}
