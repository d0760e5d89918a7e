import { IncomingMessage, ServerResponse, createServer } from 'node:http';
import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';

/**
 * Nest's Express adapter, with a server that creates each request and response with Express's
 * prototypes from the start. Express otherwise swaps them in with `Object.setPrototypeOf()` on
 * every request, and in V8 that makes the objects of a request outlive young-generation
 * collections: measured here, a third of all allocation was promoted to the old generation,
 * and the frequent full collections that followed were the long tail of page latencies.
 * Express's own swap then finds the prototype already in place and changes nothing.
 *
 * HTTPS and Nest's connection-closing options are left to Nest's own server.
 * @example NestFactory.create(AppModule, new PrototypedExpressAdapter())
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options.httpsOptions || options.forceCloseConnections || options.return503OnClosing) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(
      createServer(
        {
          IncomingMessage: constructing<typeof IncomingMessage>(IncomingMessage, app.request),
          ServerResponse: constructing<typeof ServerResponse>(ServerResponse, app.response),
        },
        app,
      ),
    );
  }
}

/** A constructor that runs `base` (a function-style node:http class) and gives `prototype`. */
function constructing<Base extends new (...args: never[]) => object>(
  base: Base,
  prototype: InstanceType<Base>,
): Base {
  function Constructed(this: InstanceType<Base>, ...args: unknown[]) {
    Reflect.apply(base, this, args);
  }
  Constructed.prototype = prototype;
  return Constructed as unknown as Base;
}
