import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser, UserRole } from '@app/contracts';
import { ForbiddenError, UnauthenticatedError } from './auth.errors';
import { bearerToken } from './auth.guard';
import { Roles } from './roles.decorator';
import { roleAllowed, RolesGuard } from './roles.guard';

class Controller {
  @Roles('admin')
  adminOnly(): void {}

  @Roles('agent', 'admin')
  anyone(): void {}

  open(): void {}
}

const user = (role: UserRole): AuthUser => ({ id: 'u1', email: 'u@x.io', name: 'U', role });

function context(handler: keyof Controller, u?: AuthUser): ExecutionContext {
  return {
    getHandler: () => Controller.prototype[handler],
    getClass: () => Controller,
    switchToHttp: () => ({ getRequest: () => ({ headers: {}, user: u }) }),
  } as unknown as ExecutionContext;
}

describe('role checks', () => {
  const sut = new RolesGuard(new Reflector());

  it.each<[keyof Controller, UserRole, boolean]>([
    ['adminOnly', 'admin', true],
    ['adminOnly', 'agent', false],
    ['anyone', 'agent', true],
    ['anyone', 'admin', true],
    ['open', 'agent', true],
  ])('%s as %s → allowed %s', (handler, role, allowed) => {
    const run = () => sut.canActivate(context(handler, user(role)));
    if (allowed) expect(run()).toBe(true);
    else expect(run).toThrow(ForbiddenError);
  });

  it('refuses a request that no AuthGuard authenticated with 401, not 403', () => {
    expect(() => sut.canActivate(context('anyone'))).toThrow(UnauthenticatedError);
  });

  it('roleAllowed: no roles named means any signed-in user', () => {
    expect(roleAllowed('agent', undefined)).toBe(true);
    expect(roleAllowed('agent', [])).toBe(true);
    expect(roleAllowed('agent', ['admin'])).toBe(false);
  });

  it('reads only a well-formed bearer header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   tok ')).toBe('tok');
    expect(bearerToken(['Bearer first', 'Bearer second'])).toBe('first');
    for (const bad of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b', 'tok']) expect(bearerToken(bad)).toBeNull();
  });
});
