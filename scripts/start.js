#!/usr/bin/env node
// npm start: builds the TypeScript once (again only when a source is newer than the build), then runs the
// chat server on the embedded database (PGlite in var/pglite) with models/default, and prints its URL.
// The build and the `@app/*` aliases: scripts/dist.js.
'use strict';
const path = require('node:path');
const { root, dist, buildIfStale, registerAliases } = require('./dist');

// `node scripts/start.js worker` runs the training worker (npm run worker) instead of the chat server.
const appName = process.argv[2] === 'worker' ? 'worker' : 'server';
const entry = path.join(dist, 'apps', appName, 'src', 'main.js');

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
buildIfStale(entry);
registerAliases();
if (entry.endsWith(path.join('server', 'src', 'main.js'))) announcePages();
require(entry);
