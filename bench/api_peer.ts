/**
 * The peer of `npm run bench:api`: bare fastify on the same machine answering with bytes fetched
 * once from the real server (no auth, no database, no validation): `/api/scores/*` with one
 * customer's score response, every other GET with the `/api/segments` response. It is the
 * ceiling for serving those same responses over HTTP with the same framework.
 *
 * usage: node bin/run-ts.js bench/api_peer.ts <port> <segments-body-file> <score-body-file>
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, segmentsFile, scoreFile] = process.argv.slice(2) as [string, string, string];
const segments = readFileSync(segmentsFile);
const score = readFileSync(scoreFile);
const app = Fastify({ logger: false });
app.get('/api/scores/*', (_request, reply) => reply.type('application/json; charset=utf-8').send(score));
app.get('/*', (_request, reply) => reply.type('application/json; charset=utf-8').send(segments));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
