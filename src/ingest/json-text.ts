import sjson from 'secure-json-parse';
import { AppError } from '../errors/codes.js';

/**
 * Removes commas that directly precede `}` or `]` outside strings. The seed's "minimum payload"
 * example is written with a trailing comma and integrations copy it verbatim, so we accept it; any
 * other syntax error is still a 400.
 */
export function stripTrailingCommas(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (inString) {
      out += ch;
      if (ch === '\\') {
        out += text[i + 1] ?? '';
        i++;
      } else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') {
      inString = true;
      out += ch;
      continue;
    }
    if (ch === ',') {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j] as string)) j++;
      if (text[j] === '}' || text[j] === ']') continue;
    }
    out += ch;
  }
  return out;
}

/** Parses JSON safely (no `__proto__`/`constructor.prototype` keys) and leniently (trailing commas). */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw new AppError('invalid_json', 'the request body is empty; send a JSON object');
  try {
    return sjson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch (first) {
    try {
      return sjson.parse(stripTrailingCommas(text), undefined, { protoAction: 'remove', constructorAction: 'remove' });
    } catch {
      const reason = first instanceof Error ? first.message : 'syntax error';
      throw new AppError('invalid_json', `the request body is not valid JSON: ${reason}`);
    }
  }
}
