import { Type } from 'typebox';

/** The error envelope, referenced by every route's 4xx/5xx responses in /docs. */
export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      field: Type.Optional(Type.String()),
      docs: Type.String(),
    }),
  },
  { description: 'Error envelope' },
);

export const errorResponses = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  422: ErrorResponse,
};
