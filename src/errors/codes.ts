/**
 * The closed list of error codes the API answers with. Every code maps to one HTTP status, so a
 * route never chooses a status by hand; docs/errors.md has one anchor per code.
 */
export const ERROR_STATUS = {
  invalid_json: 400,
  invalid_request: 400,
  https_required: 403,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  missing_identity: 422,
  unknown_event: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; docs: string };
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, field?: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.field = field;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function errorBody(code: ErrorCode, message: string, field?: string): ErrorBody {
  const error: ErrorBody['error'] = { code, message, docs: `/docs/errors#${code}` };
  if (field !== undefined) error.field = field;
  return { error };
}
