// Jest globalSetup of the e2e project: every run starts on an empty PostgreSQL test database, so no test sees rows a
// run before it left (a CI machine keeps its PostgreSQL between runs). Only a database whose name ends in `_test` is
// ever dropped; a run without a PostgreSQL server goes on (the PGlite tests need none) and the PostgreSQL ones fail
// with their own connection error.
const { Client } = require('pg');

const DEFAULT_URL = 'postgres://parley:parley@127.0.0.1:5432/parley_test';

module.exports = async function freshTestDatabase() {
  const url = new URL(process.env.TEST_DATABASE_URL ?? DEFAULT_URL);
  const name = decodeURIComponent(url.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+_test$/.test(name)) {
    throw new Error(
      `TEST_DATABASE_URL must name a database ending in _test (it is dropped at each run), not "${name}"`,
    );
  }
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  try {
    await admin.connect();
  } catch (error) {
    process.stderr.write(`[e2e] PostgreSQL test database not reset (${error.code ?? error.message})\n`);
    return;
  }
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
};
