import { effectiveThresholds, firstRoute, OUT_OF_SCOPE_INTENT, reviewReason } from '@app/conversation';
import { useDefaultNlu } from './nlu-model.helper';

/**
 * The exported default model + the routing policy: off-topic input reaches the fallback (offer a human,
 * queued for review), a clear support request stays a confident template answer. None of these
 * utterances is in the training data (training/data/oos, Bitext split).
 */
describe('out-of-scope routing on the default model', () => {
  const nlu = useDefaultNlu();

  const route = async (text: string) => {
    const res = await nlu().parse(text);
    const t = effectiveThresholds(res.thresholds, {});
    const first = firstRoute(res.intent.confidence, t, false, res.intent.name);
    return { res, t, first, review: first === 'fallback' ? reviewReason('fallback', res.intent.confidence, t) : null };
  };

  it('has the reserved out_of_scope label', () => {
    expect(nlu().modelInfo!.labels.intents).toContain(OUT_OF_SCOPE_INTENT);
  });

  it.each(['play some jazz music', "what's the weather in Paris"])('sends "%s" to out_of_scope and the fallback', async (text) => {
    const { res, first, review } = await route(text);
    expect({ intent: res.intent.name, first, review }).toEqual({ intent: OUT_OF_SCOPE_INTENT, first: 'fallback', review: 'fallback' });
  });

  it('keeps "I want to cancel order 12345" a confident template answer with its order id', async () => {
    const { res, t, first } = await route('I want to cancel order 12345');
    expect(res.intent.name).toBe('cancel_order');
    expect(res.intent.confidence).toBeGreaterThanOrEqual(t.answer);
    expect(first).toBe('template');
    expect(res.entities).toEqual(expect.arrayContaining([expect.objectContaining({ label: 'order_id', text: '12345' })]));
  });
});
