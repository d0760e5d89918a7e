import { Controller, Get, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import type { Request, Response } from 'express';
import { beforeEach, describe, expect, it } from 'vitest';
import type { SessionUser } from './auth.types.js';
import { Public } from './public.decorator.js';
import { SessionGuard } from './session.guard.js';

@Controller()
class TestController {
  @Get()
  route() {}

  @Public()
  @Get('open')
  publicRoute() {}
}

@Public()
@Controller()
class PublicController {
  @Get()
  route() {}
}

const alice: SessionUser = { id: 'u1', name: 'alice' };

function http(session?: Partial<Request['session']>) {
  const req = { session } as Request;
  const res = { locals: {} } as Response;
  return { req, res };
}

describe(SessionGuard.name, () => {
  let sut: SessionGuard;

  beforeEach(() => {
    sut = new SessionGuard(new Reflector());
  });

  it('denies a visitor whose session has no user', () => {
    const { req, res } = http({});
    const context = new ExecutionContextHost(
      [req, res],
      TestController,
      TestController.prototype.route,
    );

    expect(() => sut.canActivate(context)).toThrow(UnauthorizedException);
    expect(req.user).toBeUndefined();
  });

  it('denies a request without any session', () => {
    const { req, res } = http(undefined);
    const context = new ExecutionContextHost(
      [req, res],
      TestController,
      TestController.prototype.route,
    );

    expect(() => sut.canActivate(context)).toThrow(UnauthorizedException);
  });

  it('lets a signed-out visitor through to a @Public() handler', () => {
    const { req, res } = http({});
    const context = new ExecutionContextHost(
      [req, res],
      TestController,
      TestController.prototype.publicRoute,
    );

    expect(sut.canActivate(context)).toBe(true);
    expect(req.user).toBeUndefined();
  });

  it('lets a signed-out visitor through to every handler of a @Public() controller', () => {
    const { req, res } = http({});
    const context = new ExecutionContextHost(
      [req, res],
      PublicController,
      PublicController.prototype.route,
    );

    expect(sut.canActivate(context)).toBe(true);
  });

  it('lets a signed-in user through and exposes them to handlers and views', () => {
    const { req, res } = http({ user: alice });
    const context = new ExecutionContextHost(
      [req, res],
      TestController,
      TestController.prototype.route,
    );

    expect(sut.canActivate(context)).toBe(true);
    expect(req.user).toEqual(alice);
    expect(res.locals.user).toEqual(alice);
  });

  it('exposes the signed-in user on @Public() routes too', () => {
    const { req, res } = http({ user: alice });
    const context = new ExecutionContextHost(
      [req, res],
      TestController,
      TestController.prototype.publicRoute,
    );

    expect(sut.canActivate(context)).toBe(true);
    expect(req.user).toEqual(alice);
    expect(res.locals.user).toEqual(alice);
  });
});
