import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import type { SessionUser } from './auth.types.js';
import { CurrentUser } from './current-user.decorator.js';

type Factory = (data: unknown, ctx: ExecutionContext) => unknown;

class TestController {
  whole(@CurrentUser() _user: SessionUser) {}
  name(@CurrentUser('name') _name: string) {}
}

/** What Nest would call to resolve the decorated parameter of `method`, and the data it passes. */
function resolver(method: keyof TestController): (req: Partial<Request>) => unknown {
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, TestController, method) as Record<
    string,
    { data: unknown; factory: Factory }
  >;
  const [{ data, factory }] = Object.values(args);
  return (req) => factory(data, new ExecutionContextHost([req, {}]));
}

const alice: SessionUser = { id: 'u1', name: 'alice' };

describe('CurrentUser', () => {
  it('injects the signed-in user', () => {
    const sut = resolver('whole');

    expect(sut({ user: alice })).toEqual(alice);
  });

  it('injects one field of the signed-in user', () => {
    const sut = resolver('name');

    expect(sut({ user: alice })).toBe('alice');
  });

  it('injects undefined when nobody is signed in', () => {
    expect(resolver('whole')({})).toBeUndefined();
    expect(resolver('name')({})).toBeUndefined();
  });
});
