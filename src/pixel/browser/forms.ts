export interface Traits {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  fullName?: string;
  externalId?: string;
}

/** The parts of a form field the capture reads (a DOM input, or a plain object in unit tests). */
export interface FieldLike {
  type?: string;
  name?: string;
  id?: string;
  value?: string;
  autocomplete?: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

const NEVER = /pass|card|cc-|cvv|cvc|iban|ssn|secur|pin\b|token|otp/i;

/** Which trait a field holds, from its type, autocomplete and name; undefined when it holds none we keep. */
export function traitOf(field: FieldLike): keyof Traits | undefined {
  const type = (field.type ?? '').toLowerCase();
  if (type === 'password' || type === 'hidden' || type === 'file') return undefined;
  if (field.hasAttribute('data-touchpoint-ignore')) return undefined;
  const auto = (field.getAttribute('autocomplete') ?? '').toLowerCase();
  const name = `${field.name ?? ''} ${field.id ?? ''}`.toLowerCase();
  if (NEVER.test(auto) || NEVER.test(name)) return undefined;
  if (type === 'email' || auto === 'email' || /e-?mail/.test(name)) return 'email';
  if (type === 'tel' || auto.startsWith('tel') || /phone|mobile|\btel/.test(name)) return 'phone';
  if (/full.?name/.test(name)) return 'fullName';
  if (auto === 'given-name' || /first.?name|fname|given/.test(name)) return 'firstName';
  if (auto === 'family-name' || /last.?name|lname|surname|family/.test(name)) return 'lastName';
  if (auto === 'name' || /^\s*name\b/.test(name)) return 'fullName';
  return undefined;
}

/** Email, names and phone from a submitted form; never passwords, card or hidden fields. */
export function readFields(fields: ArrayLike<FieldLike>): Traits {
  const out: Traits = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldLike;
    const trait = traitOf(field);
    const value = (field.value ?? '').trim();
    if (trait === undefined || value === '' || value.length > 200 || out[trait] !== undefined) continue;
    if (trait === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) continue;
    out[trait] = value;
  }
  return out;
}
