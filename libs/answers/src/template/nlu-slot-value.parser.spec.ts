import { NluSlotValueParser } from './nlu-slot-value.parser';

describe('NluSlotValueParser', () => {
  it('cuts out the span and hands it to the normaliser', () => {
    const normalise = jest.fn((_label: string, text: string) => ({ kind: 'identifier', value: text.toUpperCase() }));
    const sut = new NluSlotValueParser(normalise);
    expect(sut.parse('order_id', "it's #ab-1234")).toEqual({ text: 'ab-1234', value: { kind: 'identifier', value: 'AB-1234' } });
    expect(normalise).toHaveBeenCalledWith('order_id', 'ab-1234');
  });

  it('refuses an identifier the normaliser rejects but keeps free text without a value', () => {
    const sut = new NluSlotValueParser(() => undefined);
    expect(sut.parse('invoice_id', 'number 98765')).toBeNull();
    expect(sut.parse('delivery_city', 'Valencia')).toEqual({ text: 'Valencia' });
  });

  it('keeps the span as typed when no normaliser is available', () => {
    expect(new NluSlotValueParser(null).parse('order_id', '12345')).toEqual({ text: '12345' });
  });

  it('finds nothing in a message without a value', () => {
    expect(new NluSlotValueParser(() => 'x').parse('order_id', 'no idea, sorry')).toBeNull();
  });
});
