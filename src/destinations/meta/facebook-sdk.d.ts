// Minimal typing for the one helper of Meta's Business SDK our normalization test compares against.
declare module 'facebook-nodejs-business-sdk' {
  export const ServerSideUtils: {
    normalizeAndHash(input: string, field: string): string | null;
  };
}
