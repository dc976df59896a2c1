import type { IncomingMessage } from 'node:http';
import { newId } from '../../ids/ids.js';

// A caller's id is echoed only when it is safe to log and to put back in a header.
const WELL_FORMED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Fastify's genReqId: echo a well-formed incoming `Request-Id`/`X-Request-Id`, else mint `req_…`. */
export function requestIdFor(req: IncomingMessage): string {
  for (const name of ['request-id', 'x-request-id']) {
    const value = req.headers[name];
    if (typeof value === 'string' && WELL_FORMED.test(value)) return value;
  }
  return newId('req');
}
