import { extractBareValue, isBareAnswer } from './bare-value';

describe('extractBareValue', () => {
  it.each([
    ['12345', '12345'],
    ["it's #A-1234", 'A-1234'],
    ['sure, the order number is 0004587345.', '0004587345'],
    ['order 73 and then 370795561790', '370795561790'],
  ])('finds the identifier in "%s"', (text, want) => {
    expect(extractBareValue('order_id', text)).toBe(want);
  });

  it('finds no identifier without enough digits', () => {
    expect(extractBareValue('invoice_id', 'I do not know')).toBeNull();
    expect(extractBareValue('order_id', 'it is 12')).toBeNull();
  });

  it('strips filler from free-text answers and rejects long sentences', () => {
    expect(extractBareValue('person_name', "It's Anna Freeman.")).toBe('Anna Freeman');
    expect(extractBareValue('delivery_city', 'yes, Toronto')).toBe('Toronto');
    expect(extractBareValue('person_name', 'I would rather not tell you who it is at all right now')).toBeNull();
    expect(extractBareValue('refund_amount', 'a lot')).toBeNull();
  });
});

describe('isBareAnswer', () => {
  it.each([
    ['order_id', '12345', true],
    ['order_id', "it's #A-1234", true],
    ['order_id', 'the order number is 0004587345', true],
    ['order_id', 'cancel my order 555', false],
    ['order_id', 'how do I reset my password', false],
    ['person_name', 'Anna Freeman', true],
    ['person_name', 'how do I reset my password', false],
  ])('%s: "%s" → %s', (label, text, want) => {
    expect(isBareAnswer(label, text)).toBe(want);
  });
});
