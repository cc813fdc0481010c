import { parseTranscript, TranscriptRowLimitError } from './transcript-parser';

const labels = { intents: new Set(['track_order', 'cancel_order']), entityTypes: new Set(['order_id']) };
const line = (o: unknown) => JSON.stringify(o);

describe('parseTranscript (JSON Lines)', () => {
  it('keeps valid conversations and labels only customer turns', () => {
    const data = [
      line({ conversation_id: 'c1', turns: [{ role: 'customer', text: 'where is order 123', intent: 'track_order', entities: [{ start: 15, end: 18, label: 'order_id' }] }, { role: 'agent', text: 'Checking.', intent: 'track_order' }] }),
      '',
      line({ conversation_id: 'c2', turns: [{ role: 'customer', text: 'hello there' }] }),
    ].join('\n');
    const sut = parseTranscript(data, 'jsonl', labels);
    expect(sut.errors).toEqual([]);
    expect(sut.valid.map((c) => [c.externalId, c.line])).toEqual([['c1', 1], ['c2', 3]]);
    expect(sut.valid[0].turns).toEqual([
      { role: 'customer', text: 'where is order 123', intent: 'track_order', entities: [{ start: 15, end: 18, label: 'order_id' }] },
      { role: 'agent', text: 'Checking.' },
    ]);
    expect(sut.valid[1].turns).toEqual([{ role: 'customer', text: 'hello there' }]);
  });

  it('reports every problem with line, field and code', () => {
    const data = [
      '{not json',
      line({ turns: [] }),
      line({ conversation_id: 'c3', turns: [{ role: 'bot', text: '' }, { role: 'customer', text: 'abc', intent: 'nope', entities: [{ start: 2, end: 9, label: 'order_id' }, { start: 0, end: 1, label: 'city' }] }] }),
      line({ conversation_id: 'c4', turns: [{ role: 'customer', text: 'fine' }] }),
      line({ conversation_id: 'c4', turns: [{ role: 'customer', text: 'again' }] }),
    ].join('\n');
    const sut = parseTranscript(data, 'jsonl', labels);
    expect(sut.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [1, '', 'INVALID_JSON'],
      [2, 'conversation_id', 'MISSING_FIELD'],
      [2, 'turns', 'EMPTY'],
      [3, 'turns[0].role', 'INVALID_VALUE'],
      [3, 'turns[0].text', 'EMPTY'],
      [3, 'turns[1].intent', 'UNKNOWN_INTENT'],
      [3, 'turns[1].entities[0]', 'BAD_SPAN'],
      [3, 'turns[1].entities[1].label', 'UNKNOWN_ENTITY'],
      [5, 'conversation_id', 'INVALID_VALUE'],
    ]);
    expect(sut.valid.map((c) => c.externalId)).toEqual(['c4']);
  });

  it('counts entity offsets in code points, as the training data does', () => {
    const data = line({ conversation_id: 'e', turns: [{ role: 'customer', text: '😀 order 42', intent: 'track_order', entities: [{ start: 8, end: 10, label: 'order_id' }] }] });
    expect(parseTranscript(data, 'jsonl', labels).errors).toEqual([]);
  });

  it('refuses more lines than the limit', () => {
    const data = [1, 2, 3].map((i) => line({ conversation_id: `c${i}`, turns: [{ role: 'customer', text: 'x' }] })).join('\n');
    expect(() => parseTranscript(data, 'jsonl', labels, { maxRows: 2, maxTurns: 10, maxTextChars: 10 })).toThrow(TranscriptRowLimitError);
  });
});

describe('parseTranscript (CSV)', () => {
  it('groups rows by conversation in file order and drops a conversation with a bad row', () => {
    const data = 'conversation_id,role,text,intent\nc1,customer,"where is my order, please",track_order\nc1,agent,On its way.,\nc2,customer,hi,\nc2,robot,hello,\n';
    const sut = parseTranscript(data, 'csv', labels);
    expect(sut.errors).toEqual([{ line: 5, field: 'role', code: 'INVALID_VALUE', message: 'role must be customer or agent' }]);
    expect(sut.valid).toEqual([{ externalId: 'c1', line: 2, turns: [{ role: 'customer', text: 'where is my order, please', intent: 'track_order', entities: [] }, { role: 'agent', text: 'On its way.' }] }]);
  });

  it('needs the header columns', () => {
    const sut = parseTranscript('id,who,text\n1,customer,hi\n', 'csv', labels);
    expect(sut.errors.map((e) => e.field)).toEqual(['conversation_id', 'role']);
    expect(sut.valid).toEqual([]);
  });
});
