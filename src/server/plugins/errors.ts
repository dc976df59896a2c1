import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorCode, errorBody } from '../../errors/codes.js';

interface Mapped {
  status: number;
  code: ErrorCode;
  message: string;
  field?: string | undefined;
  headers?: Record<string, string>;
}

/** Ajv's path (`/user/email`) or the missing property names the field the caller must fix. */
function validationField(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (first === undefined) return undefined;
  const params = first.params as Record<string, unknown>;
  const base = first.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra =
    (typeof params.missingProperty === 'string' && params.missingProperty) ||
    (typeof params.additionalProperty === 'string' && params.additionalProperty) ||
    '';
  const field = [base, extra].filter((part) => part !== '').join('.');
  return field === '' ? undefined : field;
}

function validationMessage(error: FastifyError, field: string | undefined): string {
  const first = error.validation?.[0];
  if (first === undefined) return error.message;
  if (first.keyword === 'required') return `${field} is required`;
  if (first.keyword === 'additionalProperties') return `${field} is not a known field`;
  return `${field ?? 'body'} ${first.message ?? 'is invalid'}`;
}

export function mapError(error: unknown): Mapped {
  if (error instanceof AppError) {
    return {
      status: error.status,
      code: error.code,
      message: error.message,
      field: error.field,
      headers: error.headers,
    };
  }
  const fe = error as FastifyError;
  if (fe.validation !== undefined) {
    const field = validationField(fe);
    return { status: 422, code: 'validation_failed', message: validationMessage(fe, field), field };
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        status: 413,
        code: 'payload_too_large',
        message: 'the request body is larger than this endpoint accepts',
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        code: 'unsupported_media_type',
        message: 'send the body as JSON with Content-Type: application/json',
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { status: 400, code: 'invalid_request', message: 'Content-Length does not match the body' };
    default:
      break;
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 429) return { status, code: 'rate_limited', message: fe.message };
  if (status === 404) return { status, code: 'not_found', message: fe.message };
  if (status >= 400 && status < 500) return { status, code: 'invalid_request', message: fe.message };
  return { status: 500, code: 'internal_error', message: 'something went wrong on our side; quote the Request-Id' };
}

/** One envelope for every 4xx/5xx: `{ error: { code, message, field?, docs } }`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const mapped = mapError(error);
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: mapped.code, field: mapped.field }, 'request rejected');
    for (const [name, value] of Object.entries(mapped.headers ?? {})) reply.header(name, value);
    return reply.status(mapped.status).send(errorBody(mapped.code, mapped.message, mapped.field));
  });
  app.setNotFoundHandler((request, reply) => {
    return reply
      .status(404)
      .send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0] ?? ''}`));
  });
}
