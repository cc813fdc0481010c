#!/usr/bin/env node
// Runs the compiled form of one TypeScript script, as production runs the server (scripts/dist.js):
//   node scripts/run-dist.js scripts/bench/bench-nlu.ts [args...]
// The bench children that measure memory and speed use it: under tsx the same code holds ~45 MB more.
'use strict';
const path = require('node:path');
const { root, dist, buildIfStale, registerAliases } = require('./dist');

const [script, ...args] = process.argv.slice(2);
if (!script || !script.endsWith('.ts')) {
  process.stderr.write('usage: node scripts/run-dist.js <path/to/script.ts> [args...]\n');
  process.exit(2);
}
const entry = path.join(dist, path.relative(root, path.resolve(script)).replace(/\.ts$/, '.js'));
process.chdir(root);
buildIfStale(entry);
registerAliases();
process.argv = [process.argv[0], entry, ...args];
require(entry);
