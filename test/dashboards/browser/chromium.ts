// Headless Chromium for the dashboard browser tests: Debian's `chromium` driven by
// playwright-core (playwright's own browser download fails on machines without network).
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';

/** Where Chromium is looked for, in order; CHROMIUM_PATH wins when set. */
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export class ChromiumMissingError extends Error {
  constructor(tried: string[]) {
    super(
      `Chromium was not found (tried ${tried.join(', ')}). The dashboard browser tests need it: ` +
        `run scripts/setup.sh (it installs Debian's 'chromium'), or set CHROMIUM_PATH to a Chromium binary.`,
    );
    this.name = 'ChromiumMissingError';
  }
}

export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const tried = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CANDIDATES;
  for (const path of tried) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // try the next candidate
    }
  }
  throw new ChromiumMissingError(tried);
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches headless Chromium with a fresh profile. The flags keep it from reaching for the
 * network (updates, sync, component downloads) on a machine that has none; the sandbox is
 * off as root, where Chromium refuses to start with it.
 */
export async function launchChromium(viewport = { width: 1366, height: 768 }): Promise<Browser> {
  const executablePath = findChromium();
  const userDataDir = mkdtempSync(join(tmpdir(), 'dialwise-chromium-'));
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    chromiumSandbox: !isRoot,
    viewport,
    args: [
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Console errors, uncaught page errors and failed requests of a page, collected as text. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  return errors;
}
