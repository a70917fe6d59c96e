/** Worker side of `normalisePhones`: parses the blocks it claims from the shared counter. */
import { parentPort, workerData } from 'node:worker_threads';
import { parseClaimedBlocks, type PhoneJob } from './phone-parse.ts';

if (parentPort === null) throw new Error('phone-worker must run in a worker thread');
parentPort.postMessage(parseClaimedBlocks(workerData as PhoneJob));
