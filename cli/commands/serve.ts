import { Command, InvalidArgumentError, Option } from 'commander';
import { addToken, buildServer, readTokenFile, revokeToken, ROLES, TOKENS_ENV, tokensPath, type Role } from '../../dashboards/index.ts';
import { globals, positiveInt } from '../context.ts';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`--port must be a whole number from 0 to 65535, got "${value}"`);
  return n;
}

const tokensOption = () => new Option('--tokens <file>', 'token file (default: <data-dir>/tokens.json)');

/** `dialwise serve` and `dialwise serve token add|list|revoke`. */
export function serveCommand(): Command {
  const serve = new Command('serve')
    .description('serve the dashboards and the read-only API (OpenAPI docs at /docs) over the warehouse and the published run in force')
    .option('--port <n>', 'port to listen on', port, 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .addOption(tokensOption())
    .option('--poll <ms>', 'how often to look for a new published run or warehouse change', positiveInt('--poll'), 2000)
    .action(async (opts: { port: number; host: string; tokens?: string; poll: number }, command: Command) => {
      const { dataDir } = globals(command);
      const app = await buildServer({ dataDir, tokensFile: opts.tokens, pollMs: opts.poll, logger: { level: process.env.LOG_LEVEL ?? 'info' } });
      const file = tokensPath(dataDir, opts.tokens);
      if (readTokenFile(file).length === 0 && !process.env[TOKENS_ENV]) {
        console.error(`warning: no API tokens in ${file} or ${TOKENS_ENV}; every /api call will get 401. Create one: dialwise serve token add --role viewer --name <who>`);
      }
      const address = await app.listen({ port: opts.port, host: opts.host });
      console.error(`dialwise dashboards on ${address} (API docs: ${address}/docs)`);
      await new Promise<void>((resolveStop) => {
        const stop = () => {
          app.close().then(() => resolveStop(), () => resolveStop());
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });

  const token = new Command('token').description('API tokens: stored hashed in <data-dir>/tokens.json (or --tokens)');
  token.addCommand(
    new Command('add')
      .description('create a token for a role; prints it once (only its sha256 is stored)')
      .addOption(new Option('--role <role>', 'what the token may see').choices([...ROLES]).makeOptionMandatory())
      .requiredOption('--name <name>', 'who holds it (shown in the audit log)')
      .addOption(tokensOption())
      .action((opts: { role: Role; name: string; tokens?: string }, command: Command) => {
        const file = tokensPath(globals(command).dataDir, opts.tokens);
        const value = addToken(file, opts.name, opts.role);
        console.error(`token for ${opts.name} (${opts.role}) stored hashed in ${file}; it is shown only now:`);
        console.log(value);
      }),
  );
  token.addCommand(
    new Command('list')
      .description('names and roles of the stored tokens')
      .addOption(tokensOption())
      .action((opts: { tokens?: string }, command: Command) => {
        const file = tokensPath(globals(command).dataDir, opts.tokens);
        const entries = readTokenFile(file);
        if (!entries.length) console.log(`no tokens in ${file}`);
        for (const e of entries) console.log(`${e.name.padEnd(24)} ${e.role.padEnd(8)} ${e.created_at ?? ''}`);
      }),
  );
  token.addCommand(
    new Command('revoke')
      .description('remove a token by name')
      .argument('<name>', 'the token to remove')
      .addOption(tokensOption())
      .action((name: string, opts: { tokens?: string }, command: Command) => {
        const file = tokensPath(globals(command).dataDir, opts.tokens);
        if (!revokeToken(file, name)) {
          console.error(`no token named "${name}" in ${file}`);
          process.exitCode = 1;
          return;
        }
        console.log(`revoked ${name}`);
      }),
  );
  serve.addCommand(token);
  return serve;
}
