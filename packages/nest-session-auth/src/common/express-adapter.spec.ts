import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Controller, Get, Req, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Express, Request } from 'express';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { PrototypedExpressAdapter } from './express-adapter.js';

@Controller()
class EchoController {
  @Get('echo')
  echo(@Req() req: Request) {
    return { host: req.hostname, accepts: req.accepts('json') };
  }
}

describe(PrototypedExpressAdapter.name, () => {
  let app: INestApplication | undefined;

  afterEach(() => app?.close());

  async function start(options: { forceCloseConnections?: boolean } = {}) {
    const moduleRef = await Test.createTestingModule({ controllers: [EchoController] }).compile();
    const nest = moduleRef.createNestApplication<NestExpressApplication>(
      new PrototypedExpressAdapter(),
      { logger: false, ...options },
    );
    await nest.init();
    app = nest;
    const express = nest.getHttpAdapter().getInstance() as Express;
    const server = nest.getHttpServer() as Server;
    const created: { request: boolean; response: boolean }[] = [];
    // Runs before Express sees the request: what node:http created it as.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) =>
      created.push({
        request: Object.getPrototypeOf(req) === express.request,
        response: Object.getPrototypeOf(res) === express.response,
      }),
    );
    return { server, created };
  }

  it('has node:http create requests and responses as Express ones', async () => {
    const { server, created } = await start();
    const res = await request(server).get('/echo').set('Host', 'example.test');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ host: 'example.test', accepts: 'json' });
    expect(created).toEqual([{ request: true, response: true }]);
  });

  it("leaves options that need Nest's own server to it", async () => {
    const { server, created } = await start({ forceCloseConnections: true });
    expect((await request(server).get('/echo')).status).toBe(200);
    expect(created).toEqual([{ request: false, response: false }]);
  });
});
