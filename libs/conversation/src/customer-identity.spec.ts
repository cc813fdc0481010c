import { createHmac } from 'node:crypto';
import { customerOf, verifyIdentity } from './customer-identity';

const SECRET = 'the-operator-secret-123';
const sign = (userId: string, secret = SECRET) => createHmac('sha256', secret).update(userId).digest('hex');

describe('verifyIdentity', () => {
  it("takes a user id signed with the operator's secret, with the name and a lower-cased email", () => {
    expect(verifyIdentity({ userId: 'cust-42', name: ' Ann Lee ', email: 'Ann@Example.com', hash: sign('cust-42') }, SECRET)).toEqual({ id: 'cust-42', name: 'Ann Lee', email: 'ann@example.com' });
    expect(verifyIdentity({ userId: 'ü-7', hash: sign('ü-7').toUpperCase() }, SECRET)).toEqual({ id: 'ü-7', name: null, email: null });
  });

  it('refuses a signature of another id or another secret, and any identity without a secret', () => {
    expect(() => verifyIdentity({ userId: 'cust-43', hash: sign('cust-42') }, SECRET)).toThrow(expect.objectContaining({ code: 'IDENTITY_INVALID', httpStatus: 401 }));
    expect(() => verifyIdentity({ userId: 'cust-42', hash: sign('cust-42', 'another-secret-0000') }, SECRET)).toThrow(expect.objectContaining({ code: 'IDENTITY_INVALID' }));
    expect(() => verifyIdentity({ userId: 'cust-42', hash: 'ab' }, SECRET)).toThrow(expect.objectContaining({ code: 'IDENTITY_INVALID' }));
    expect(() => verifyIdentity({ userId: 'cust-42', hash: sign('cust-42') }, null)).toThrow(expect.objectContaining({ code: 'IDENTITY_NOT_ACCEPTED', httpStatus: 400 }));
  });
});

describe('customerOf', () => {
  it('is null for an anonymous conversation', () => {
    expect(customerOf({ customerId: null, customerName: null, customerEmail: null })).toBeNull();
    expect(customerOf({ customerId: 'c', customerName: 'Ann', customerEmail: null })).toEqual({ id: 'c', name: 'Ann', email: null });
  });
});
