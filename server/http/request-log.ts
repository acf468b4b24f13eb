/**
 * One log line per request, at info, when its response is finished (or the connection closed first):
 *   { req: { method, path }, res: { statusCode }, userId, reqId, responseTime (ms), msg: "request completed" }
 * ("request errored" for a 5xx, whose error the error handler has logged already)
 * Method, path (without the query string), status, the signed-in user's id and the request id only: never
 * bodies, headers, cookies, tokens or query strings (they can hold names). /healthz is not logged.
 *
 * This replaced pino-http, whose lines had the same fields (but no reqId): it made two or three child loggers
 * per request (each serialising its bindings through the redaction paths), about 0.15 ms of a request.
 */
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

interface Pending {
  log: Logger;
  started: number;
  method: string;
  path: string;
}
const pending = Symbol('request log');

export function requestLog(log: Logger): RequestHandler {
  return (req, res, next) => {
    if (req.url === '/healthz') return next();
    (res as unknown as Record<symbol, Pending>)[pending] = {
      log,
      started: Date.now(),
      method: req.method,
      // alert links carry a token (a capability): it is not logged
      path: req.url.split('?')[0]!.replace(/^(\/register\/alerts\/(?:confirm|unsubscribe)\/)[^/]+/, '$1:token'),
    };
    res.on('finish', logResponse);
    res.on('close', logResponse);
    next();
  };
}

// module-level, not a closure made per request (tsx names each such closure, at a cost)
function logResponse(this: Response) {
  this.removeListener('finish', logResponse);
  this.removeListener('close', logResponse);
  const p = (this as unknown as Record<symbol, Pending>)[pending]!;
  const req = this.req;
  const line = {
    req: { method: p.method, path: p.path },
    res: { statusCode: this.statusCode },
    userId: req.user?.id,
    reqId: req.requestId,
    responseTime: Date.now() - p.started,
  };
  // written once the response is on its way, not in front of it: 'finish' comes before the event loop
  // gets back to the sockets, and a log write costs tens of microseconds
  setImmediate(writeLine, p.log, line);
}
function writeLine(log: Logger, line: { res: { statusCode: number } }) {
  log.info(line, line.res.statusCode >= 500 ? 'request errored' : 'request completed');
}
