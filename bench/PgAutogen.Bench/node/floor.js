// The floor as a process (issue 19): node + pg, no PgAutogen code. One REPEATABLE READ transaction with the compare's
// settings; the catalog read (functions and procedures, triggers, views: their definitions); every declaration in one
// round trip (the simple query protocol: one message, PostgreSQL parses BEGIN ATOMIC bodies itself); the same read
// again; rolled back. Prints {"before":N,"after":M} (the definitions read) on stdout.
//   node floor.js '<connection as JSON>' <file of statements, each ending with ";\n">
// The pg package is found through PGAUTOGEN_BENCH_PG (its folder).
'use strict';
const { Client } = require(process.env.PGAUTOGEN_BENCH_PG || 'pg');
const fs = require('fs');

const userSchema = "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'";
const reads = [
  'SET LOCAL search_path = pg_catalog',
  `SELECT p.oid, n.nspname, p.proname, pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p') AND ${userSchema}`,
  `SELECT t.oid, n.nspname, c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal AND ${userSchema}`,
  `SELECT c.oid, n.nspname, c.relname, pg_get_viewdef(c.oid, true) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v' AND ${userSchema}`,
].join(';\n');

function definitions(results) {
  return results.filter(r => r.command === 'SELECT' && r.fields.length > 3).reduce((n, r) => n + r.rows.length, 0);
}

(async () => {
  const client = new Client(JSON.parse(process.argv[2]));
  await client.connect();
  const statements = fs.readFileSync(process.argv[3], 'utf8');
  try {
    const first = await client.query(
      'BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL lock_timeout = 5000; SET LOCAL statement_timeout = 120000; ' +
      'SET LOCAL check_function_bodies = off; SET LOCAL client_min_messages = warning; SET LOCAL jit = off; ' +
      "SELECT current_setting('search_path') AS search_path;\n" + reads);
    const searchPath = first.find(r => r.fields.length === 1 && r.fields[0].name === 'search_path').rows[0].search_path;
    await client.query(`SELECT pg_catalog.set_config('search_path', '${searchPath.replace(/'/g, "''")}', true);\n` + statements);
    const last = await client.query(reads);
    await client.query('ROLLBACK');
    process.stdout.write(JSON.stringify({ before: definitions(first), after: definitions(last) }) + '\n');
  } finally {
    await client.end();
  }
})().catch(e => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
