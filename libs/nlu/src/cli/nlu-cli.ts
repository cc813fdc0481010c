/**
 * `npm run nlu -- "I want to cancel order 12345"` prints the parse like `rasa shell nlu`;
 * without text it reads lines interactively. Options: --model DIR, --fp32, --json, --tz ZONE, --top K.
 */
import { Logger } from '@nestjs/common';
import type { NluResult } from '@app/contracts';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createNluService } from '../nlu.factory';
import { NluError } from '../nlu.errors';
import { NluService } from '../nlu.service';

const USAGE = 'usage: npm run nlu -- [--model DIR] [--fp32] [--json] [--tz ZONE] [--top K] ["text"]';

function format(res: NluResult): string {
  const pct = (p: number): string => p.toFixed(3);
  const lines = [
    `intent:   ${res.intent.name}  ${pct(res.intent.confidence)}  (logit ${res.intent.logit.toFixed(2)})`,
    `ranking:  ${res.ranking.map((r) => `${r.name} ${pct(r.confidence)}`).join(' | ')}`,
  ];
  if (res.entities.length === 0) lines.push('entities: (none)');
  for (const e of res.entities) {
    const value = e.value ? ` → ${JSON.stringify(e.value)}` : '';
    lines.push(`entity:   ${e.label} "${e.text}" [${e.start}, ${e.end}) ${pct(e.score)}${value}`);
  }
  const route = res.intent.confidence >= res.thresholds.answer ? 'answer' : res.intent.confidence >= res.thresholds.retrieval ? 'retrieval' : 'fallback';
  lines.push(`route:    ${route} (thresholds answer ${res.thresholds.answer}, retrieval ${res.thresholds.retrieval})${res.truncated ? '  [input truncated]' : ''}`);
  lines.push(`latency:  ${res.latencyMs.toFixed(2)} ms  model ${res.model.name}@${res.model.version} ${res.model.variant}`);
  return lines.join('\n');
}

async function parseLine(nlu: NluService, text: string, opts: { json: boolean; tz: string; top: number }): Promise<boolean> {
  try {
    const res = await nlu.parse(text, { timeZone: opts.tz, topK: opts.top });
    console.log(opts.json ? JSON.stringify({ ...res, embedding: `Float32Array(${res.embedding.length})` }, null, 2) : format(res));
    return true;
  } catch (err) {
    if (!(err instanceof NluError)) throw err;
    console.error(JSON.stringify(err.toJSON()));
    return false;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      model: { type: 'string', default: 'models/default' },
      fp32: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      tz: { type: 'string', default: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC' },
      top: { type: 'string', default: '3' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  Logger.overrideLogger(['error']);
  let nlu: NluService;
  try {
    // One message at a time: the main-thread session starts faster than a worker and nothing else runs here.
    nlu = await createNluService({ modelDir: values.model, variant: values.fp32 ? 'fp32' : 'int8', backend: 'inline' });
  } catch (err) {
    if (!(err instanceof NluError)) throw err;
    console.error(JSON.stringify(err.toJSON()));
    console.error(`(build the default model with scripts/ensure-model.sh, or pass --model DIR)`);
    return 1;
  }
  const opts = { json: values.json, tz: values.tz, top: Number(values.top) };
  try {
    if (positionals.length > 0) return (await parseLine(nlu, positionals.join(' '), opts)) ? 0 : 1;
    const info = nlu.modelInfo!;
    console.log(`model ${info.name}@${info.version} (${info.variant}); type a message, Ctrl-D to quit`);
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: '> ' });
    rl.prompt();
    for await (const line of rl) {
      if (line.trim()) await parseLine(nlu, line, opts);
      rl.prompt();
    }
    return 0;
  } finally {
    await nlu.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
