import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AnswersEmbedder,
  ContentFilesRepository,
  ContentService,
  loadCompanyProfile,
  RetrievalService,
} from '@app/answers';
import {
  AnswerTemplateInput,
  AnswerTemplateRepository,
  DatabaseHandle,
  KbArticleRepository,
  openDatabase,
} from '@app/database';

/**
 * An installation seeded by an earlier version (boot seeds only empty tables) gets this version's variants for every
 * default template nobody edited, and keeps everything an operator changed. Real PGlite with the real migrations,
 * the shipped `content/` folder.
 */
jest.setTimeout(60_000);

/** What Parley shipped for two intents before the dead-end variants were dropped (content/templates.json at 74fded7). */
const EARLIER: Record<string, string[]> = {
  track_order: [
    "You can track your order's status by going to the 'Order History' section in your account or by using the tracking number provided in your confirmation email.",
    'To check the status of purchase {{order_id}}, you can easily find it by following these steps: 1. Log in to your account on our website. 2. Navigate to the "Order History" or "My Orders" section. 3. Look for the specific purchase with the number {{order_id}}. 4. Once you find it, you will see the current status of your purchase displayed.',
    "I'm sorry to hear that you're having trouble viewing the estimated time of arrival for order number {{order_id}}. I'd be happy to assist you in locating this information. Just a moment while I pull up the details you need from our system.",
    "If you're looking to track an order, I'm here to assist you.",
    "Here's how: 1) kindly provide our customer support team with the necessary details, such as the order number or any other relevant information concerning your purchase, 2) our dedicated team will promptly check and provide you with the ETA for your purchase, 3) to ensure the most accurate and up-to-date information, we recommend reaching out to our support team directly.",
  ],
  cancel_order: [
    "We're sorry to hear you want to cancel your order. You can do this by going to your order details and clicking the 'Cancel Order' button. If you need assistance, please contact our support team.",
    "I understand your request to cancel order {{order_id}}. I'm here to assist you with this. In short: 1) log in to your account on our platform, 2) locate the section labeled 'Order History' or 'My Orders.', 3) look for the specific order with the number {{order_id}}, 4) click on the 'Cancel Order' button next to that order.",
    "You are seeking assistance in canceling order number {{order_id}}. I'm ready to guide you and provide the necessary support to cancel your order successfully.",
    'I understand that you want to cancel an order. In short: 1) log in to your account on our website, 2) navigate to the Order Details section, 3) locate the specific order that you wish to cancel, 4) find the Cancel Order button next to that order.',
  ],
};

class UnusedEmbedder extends AnswersEmbedder {
  embed(): Promise<Float32Array[]> {
    throw new Error('refreshing templates embeds nothing');
  }
  modelVersion(): string | null {
    return null;
  }
}

interface Shipped {
  intent: string;
  name: string;
  variants: string[];
  required_entities: string[];
  prompts: Record<string, string>;
  source: 'bitext' | 'parley';
}

describe('refreshing the default templates of an upgraded installation (real PGlite)', () => {
  const shipped: Shipped[] = JSON.parse(readFileSync('content/templates.json', 'utf8'));
  const now = (intent: string) => shipped.find((t) => t.intent === intent)!.variants;
  let db: DatabaseHandle;
  let templates: AnswerTemplateRepository;
  let sut: ContentService;

  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite', dataDir: 'memory://' }, { migrate: true });
    templates = new AnswerTemplateRepository(db.dataSource);
    const articles = new KbArticleRepository(db.dataSource);
    sut = new ContentService(
      templates,
      articles,
      new ContentFilesRepository('content'),
      new RetrievalService(articles, new UnusedEmbedder(), loadCompanyProfile('content/company.json')),
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  afterEach(async () => {
    await db.dataSource.query(`DELETE FROM "answer_template"`);
  });

  /** The rows an earlier version's boot wrote: this version's file with `EARLIER`'s variants in place. */
  const seededEarlier = (): AnswerTemplateInput[] =>
    shipped.map((t) => ({
      intent: t.intent,
      name: t.name,
      variants: EARLIER[t.intent] ?? t.variants,
      requiredEntities: t.required_entities,
      prompts: t.prompts,
      enabled: true,
      source: t.source,
    }));

  it('gives templates nobody edited the new variants and keeps names, prompts, required entities and enabled', async () => {
    await templates.insertMany(
      seededEarlier().map((t) => (t.intent === 'cancel_order' ? { ...t, enabled: false } : t)),
    );
    expect(await sut.refreshShippedTemplates()).toEqual(['cancel_order', 'track_order']);
    const track = (await templates.findForIntent('track_order'))!;
    expect(track.variants).toEqual(now('track_order'));
    expect(track.variants).not.toContain("If you're looking to track an order, I'm here to assist you.");
    expect(track.requiredEntities).toEqual(
      shipped.find((t) => t.intent === 'track_order')!.required_entities,
    );
    const [cancel] = (await templates.list({ intent: 'cancel_order' }))[0];
    expect([cancel.variants, cancel.enabled, cancel.source]).toEqual([now('cancel_order'), false, 'bitext']);
    // Done once: the next boot finds nothing to refresh.
    expect(await sut.refreshShippedTemplates()).toEqual([]);
  });

  it("leaves an operator's template alone: edited through the API, imported, or changed in SQL", async () => {
    await templates.insertMany(seededEarlier());
    const [[track]] = await templates.list({ intent: 'track_order' });
    await sut.updateTemplate(track.id, { name: 'Where is my order' });
    await templates.create({
      ...seededEarlier().find((t) => t.intent === 'cancel_order')!,
      source: 'import',
    });
    await db.dataSource.query(
      `UPDATE "answer_template" SET "variants" = '["Our own words."]' WHERE "intent" = 'track_refund'`,
    );
    expect(await sut.refreshShippedTemplates()).toEqual(['cancel_order']);
    const variantsOf = async (intent: string) =>
      (await templates.list({ intent }))[0].map((t) => [t.source, t.variants]);
    expect(await variantsOf('track_order')).toEqual([['user', EARLIER.track_order]]);
    expect(await variantsOf('cancel_order')).toEqual([
      ['bitext', now('cancel_order')],
      ['import', EARLIER.cancel_order],
    ]);
    expect(await variantsOf('track_refund')).toEqual([['bitext', ['Our own words.']]]);
  });

  it("refreshes nothing from a content folder without templates.previous.json (an operator's own content)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-content-'));
    writeFileSync(join(dir, 'templates.json'), readFileSync('content/templates.json'));
    const articles = new KbArticleRepository(db.dataSource);
    const own = new ContentService(
      templates,
      articles,
      new ContentFilesRepository(dir),
      new RetrievalService(articles, new UnusedEmbedder(), loadCompanyProfile('content/company.json')),
    );
    await templates.insertMany(seededEarlier());
    expect(await own.refreshShippedTemplates()).toEqual([]);
    expect((await templates.findForIntent('track_order'))!.variants).toEqual(EARLIER.track_order);
  });
});
