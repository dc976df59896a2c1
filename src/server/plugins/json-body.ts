import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseJsonBody } from '../../ingest/json-text.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body as received (decompressed), for a surface that stores it as it came (journal.ts). */
    jsonText: string | undefined;
  }
}

/** Parses a JSON body and keeps its text on the request (journal.ts stores it as it came). */
export function readJsonBody(request: FastifyRequest, body: string | Buffer): unknown {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  const value = parseJsonBody(text);
  request.jsonText = text;
  return value;
}

export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json']);
  if (!app.hasRequestDecorator('jsonText')) app.decorateRequest('jsonText', undefined);
  const parser = (
    request: FastifyRequest,
    body: string | Buffer,
    done: (err: Error | null, value?: unknown) => void,
  ) => {
    try {
      done(null, readJsonBody(request, body));
    } catch (error) {
      done(error as Error, undefined);
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser);
  app.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'string' }, parser);
}
