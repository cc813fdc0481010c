#!/usr/bin/env node
// npm start: builds the TypeScript once (again only when a source is newer than the build), then runs the
// chat server on the embedded database (PGlite in var/pglite) with models/default, and prints its URL.
// Node runs the compiled JavaScript because Nest's dependency injection needs TypeScript's decorator
// metadata, which esbuild-based runners (tsx) do not emit.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
// `node scripts/start.js worker` runs the training worker (npm run worker) instead of the chat server.
const appName = process.argv[2] === 'worker' ? 'worker' : 'server';
const entry = path.join(dist, 'apps', appName, 'src', 'main.js');

function newestSource(dir, newest = 0) {
  for (const name of fs.readdirSync(dir, { withFileTypes: true })) {
    if (name.name === 'node_modules' || name.name.startsWith('.')) continue;
    const full = path.join(dir, name.name);
    if (name.isDirectory()) newest = newestSource(full, newest);
    else if (name.name.endsWith('.ts') && !name.name.endsWith('.spec.ts')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

function buildIfStale() {
  const sources = ['apps', 'libs', 'migrations'].map((d) => path.join(root, d)).filter((d) => fs.existsSync(d));
  const newest = Math.max(...sources.map((d) => newestSource(d)), fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  if (fs.existsSync(entry) && fs.statSync(entry).mtimeMs >= newest) return;
  process.stderr.write('[start] compiling TypeScript (tsc -p tsconfig.build.json) ...\n');
  const tsc = require.resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  // tsc still emits JavaScript on type errors; run it if the entry point exists, but say so.
  if (!fs.existsSync(entry)) {
    process.stderr.write(`[start] build failed: no dist/apps/${appName}/src/main.js\n`);
    process.exit(result.status || 1);
  }
  if (result.status !== 0) process.stderr.write('[start] tsc reported type errors (see above); running the emitted JavaScript anyway\n');
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

/**
 * Once the server prints its `PARLEY_READY {json}` line, adds where a person should go: the widget demo page
 * (and the consoles). The server's own lines are passed through unchanged for scripts that read them.
 */
function announcePages() {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk, ...rest) => {
    const done = write(chunk, ...rest);
    const ready = /^PARLEY_READY (\{.*\})$/m.exec(String(chunk));
    if (ready) {
      const { url } = JSON.parse(ready[1]);
      write(`\nOpen the widget demo: ${url}/demo\n  agent console: ${url}/agent   admin: ${url}/admin\n`);
      process.stdout.write = write;
    }
    return done;
  };
}

process.chdir(root);
buildIfStale();
registerAliases();
if (entry.endsWith(path.join('server', 'src', 'main.js'))) announcePages();
require(entry);
