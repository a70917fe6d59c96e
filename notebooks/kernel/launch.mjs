#!/usr/bin/env node
// The Dialwise TypeScript kernel for Jupyter: tslab, with two additions so that a cell can
// `import { … } from 'dialwise'`:
//  - tsx hooks, so that the CommonJS `require('dialwise')` tslab emits loads our `.ts` sources;
//  - a `paths` entry in tslab's compiler options that maps `dialwise` onto declarations emitted
//    by the project's compiler (tslab's own TypeScript would otherwise compile our sources).
// Started by Jupyter as: node launch.mjs <connection_file>  (see notebooks/kernel/install.ts)
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

const connectionFile = process.argv[2];
if (!connectionFile) {
  console.error('usage: launch.mjs <jupyter connection file>');
  process.exit(2);
}
registerEsm();
registerCjs();

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// Jupyter starts a kernel in the notebook's folder, so `./data` would mean notebooks/data: by
// default the notebooks read the repository's data folder, where `npm run demo` writes.
process.env.DIALWISE_HOME ??= join(root, 'data');

const { ensureSdkTypes } = await import('./sdk-types.ts');
const sdkTypes = ensureSdkTypes(root);

const require = createRequire(import.meta.url);
const tslabDir = dirname(require.resolve('tslab/package.json'));
// The very TypeScript module tslab's converter will require (resolved from tslab's own folder).
// Its exports are getters that cannot be reassigned, so the require cache entry is swapped
// for a proxy that changes one function before the converter is loaded.
const tsPath = createRequire(join(tslabDir, 'dist', 'converter.js')).resolve('@tslab/typescript-for-tslab');
const ts = require(tsPath);
const createWatchCompilerHost = (rootFiles, options, ...rest) =>
  ts.createWatchCompilerHost(rootFiles, { ...options, paths: { ...(options.paths ?? {}), dialwise: [sdkTypes] } }, ...rest);
require.cache[tsPath].exports = new Proxy(ts, {
  get: (target, key, receiver) => (key === 'createWatchCompilerHost' ? createWatchCompilerHost : Reflect.get(target, key, receiver)),
});

// Cells are compiled to CommonJS, so `import … from 'dialwise'` becomes require('dialwise'). Our
// sources are ES modules whose dependencies use top-level await (vega), which require() cannot
// load; so the SDK is imported once here, as ESM, and require('dialwise') returns that module
// from the require cache, whatever the kernel's working directory (a notebook may live anywhere).
const Module = require('node:module');
const sdkEntry = join(root, 'index.ts');
const sdk = await import(pathToFileURL(sdkEntry).href);
const cached = new Module(sdkEntry);
cached.filename = sdkEntry;
cached.loaded = true;
cached.exports = sdk;
Module._cache[sdkEntry] = cached;
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return request === 'dialwise' ? sdkEntry : resolveFilename.call(this, request, ...rest);
};

const { startKernel } = require(join(tslabDir, 'dist', 'main.js'));
startKernel({ configPath: connectionFile, enableFindLocal: false, jsKernel: false });
