// The compiled build under dist/, as production runs it: `tsc -p tsconfig.build.json` when a source is newer
// than the entry point about to run, and the `@app/<lib>` aliases of tsconfig.json resolved to dist/libs.
// Used by scripts/start.js (the server and the worker) and scripts/run-dist.js (bench children).
// Node runs the compiled JavaScript because Nest's dependency injection needs TypeScript's decorator
// metadata, which esbuild-based runners (tsx) do not emit.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');

function newestSource(dir, newest = 0) {
  for (const name of fs.readdirSync(dir, { withFileTypes: true })) {
    if (name.name === 'node_modules' || name.name.startsWith('.')) continue;
    const full = path.join(dir, name.name);
    if (name.isDirectory()) newest = newestSource(full, newest);
    else if (name.name.endsWith('.ts') && !name.name.endsWith('.spec.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

/** Compiles the TypeScript unless `entry` (a path under dist/) is newer than every source; exits when it cannot. */
function buildIfStale(entry) {
  const sources = ['apps', 'libs', 'migrations', 'scripts'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  const newest = Math.max(...sources.map((d) => newestSource(d)), fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newest) return;
  process.stderr.write('[build] compiling TypeScript (tsc -p tsconfig.build.json) ...\n');
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', process.stderr, 'inherit'] });
  // tsc still emits JavaScript on type errors; run it if the entry point exists, but say so.
  if (!fs.existsSync(entry)) {
    process.stderr.write(`[build] build failed: no ${path.relative(root, entry)}\n`);
    process.exit(result.status || 1);
  }
  if (result.status !== 0) process.stderr.write('[build] tsc reported type errors (see above); running the emitted JavaScript anyway\n');
  fs.utimesSync(entry, new Date(), new Date());
}

/** Resolves the `@app/<lib>` aliases of tsconfig.json to the compiled libs under dist/. */
function registerAliases() {
  const original = Module._resolveFilename;
  Module._resolveFilename = function resolve(request, parent, ...rest) {
    const m = /^@app\/([a-z-]+)(\/.*)?$/.exec(request);
    if (m) request = path.join(dist, 'libs', m[1], 'src', m[2] || '');
    return original.call(this, request, parent, ...rest);
  };
}

module.exports = { root, dist, buildIfStale, registerAliases };
