import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every variable the server reads (EnvDto) is documented in `.env.example`, and nothing there is stale. */
describe('.env.example', () => {
  const read = (path: string) => readFileSync(join(__dirname, path), 'utf8');
  const declared = [...read('env.dto.ts').matchAll(/^\s+([A-Z][A-Z0-9_]+)[?!]?\s*:/gm)].map((m) => m[1]);
  const documented = [...read('../../../.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);

  it('lists every variable of EnvDto', () => {
    expect(declared.length).toBeGreaterThan(40);
    expect(declared.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('lists no variable the server does not read', () => {
    expect(documented.filter((name) => !declared.includes(name))).toEqual([]);
  });
});
