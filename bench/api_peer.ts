/**
 * The peer of `npm run bench:api`: bare fastify on the same machine answering every GET with
 * bytes fetched once from the real server (no auth, no database, no validation). It is the
 * ceiling for serving those same responses over HTTP with the same framework.
 *
 * usage: node bin/run-ts.js bench/api_peer.ts <port> <file-with-body>
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const [port, bodyFile] = process.argv.slice(2) as [string, string];
const body = readFileSync(bodyFile);
const app = Fastify({ logger: false });
app.get('/*', (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
await app.listen({ port: Number(port), host: '127.0.0.1' });
process.stdout.write('ready\n');
