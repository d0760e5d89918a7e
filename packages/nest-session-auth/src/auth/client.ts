import type { Request, Response } from 'express';

/** Who is asking for a credential check. */
export interface Client {
  /** The connection's address, or the one a trusted proxy reports (Express `trust proxy`). */
  ip: string;
  /** Aborts when the client leaves before its answer, so queued work for it is dropped. */
  signal?: AbortSignal;
}

/** The request's client; its signal aborts if the connection closes before the response ends. */
export function clientOf(req: Request, res: Response): Client {
  const gone = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) gone.abort();
  });
  return { ip: req.ip ?? '', signal: gone.signal };
}
