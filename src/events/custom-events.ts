import type { Kysely } from 'kysely';
import { AppError } from '../errors/codes.js';
import { newId } from '../ids/ids.js';
import type { Database } from '../storage/schema.js';
import type { CustomEventTable } from '../storage/tables/catalog.js';
import { reservedNameFor } from './aliases.js';
import { recordChange } from './audit.js';
import { isDestinationKey } from './destinations.js';

/** A workspace custom event: product code sends `key`; Cometly-style callers may send `custom_event_<slot>`. */
export interface CustomEventDefinition {
  key: string;
  displayName: string;
  slot: number | null;
  defaultValue: number | null;
  defaultCurrency: string | null;
  tags: string[];
  /** Destination kind (`meta`) or destination id (`dst_…`) -> the platform event name to send. */
  destinationNames: Record<string, string>;
  archived: boolean;
}

export const CUSTOM_SLOTS = 25;
const KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const SLOT_NAME = /^custom_event_(\d{1,2})$/;

/** A definition with nothing but its key: what `define` starts from. */
export function blankDefinition(key: string): CustomEventDefinition {
  return {
    key,
    displayName: key,
    slot: null,
    defaultValue: null,
    defaultCurrency: null,
    tags: [],
    destinationNames: {},
    archived: false,
  };
}

export function toDefinition(row: CustomEventTable): CustomEventDefinition {
  return {
    key: row.key,
    displayName: row.display_name,
    slot: row.slot === null ? null : Number(row.slot),
    defaultValue: row.default_value === null ? null : Number(row.default_value),
    defaultCurrency: row.default_currency,
    tags: JSON.parse(row.tags) as string[],
    destinationNames: JSON.parse(row.destination_names) as Record<string, string>,
    archived: Number(row.archived) === 1,
  };
}

/** Every custom event of one workspace (archived ones included, flagged), in key order. */
export async function loadCustomEvents(db: Kysely<Database>, workspaceId: string): Promise<CustomEventDefinition[]> {
  const rows = await db
    .selectFrom('custom_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .orderBy('key')
    .execute();
  return rows.map(toDefinition);
}

export async function getCustomEvent(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
): Promise<CustomEventDefinition | undefined> {
  const row = await db
    .selectFrom('custom_events')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row === undefined ? undefined : toDefinition(row);
}

export interface CustomEventInput {
  displayName?: string;
  slot?: number | null;
  defaultValue?: number | null;
  defaultCurrency?: string | null;
  tags?: string[];
  destinationNames?: Record<string, string>;
  archived?: boolean;
}

/** The slot number of `custom_event_N` (1..25), else undefined. */
export function slotOf(name: string): number | undefined {
  const match = SLOT_NAME.exec(name);
  if (match === null) return undefined;
  const slot = Number(match[1]);
  return slot >= 1 && slot <= CUSTOM_SLOTS ? slot : undefined;
}

function validateKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new AppError(
      'validation_failed',
      'a custom event key is 1-100 letters, digits and . _ : - (e.g. trial.activated), starting with a letter or digit',
      'key',
    );
  }
  if (slotOf(key) !== undefined || SLOT_NAME.test(key)) {
    throw new AppError('validation_failed', `"${key}" is a slot name; define a key and set slot instead`, 'key');
  }
  const reserved = reservedNameFor(key);
  if (reserved !== undefined) {
    throw new AppError(
      'validation_failed',
      `"${key}" already names the canonical event ${reserved}; send that instead of defining a custom event`,
      'key',
    );
  }
}

function validateInput(input: CustomEventInput): void {
  if (input.displayName !== undefined && (input.displayName.trim() === '' || input.displayName.length > 200)) {
    throw new AppError('validation_failed', 'displayName must be 1-200 characters', 'displayName');
  }
  if (input.slot !== undefined && input.slot !== null) {
    if (!Number.isInteger(input.slot) || input.slot < 1 || input.slot > CUSTOM_SLOTS) {
      throw new AppError('validation_failed', `slot must be an integer from 1 to ${CUSTOM_SLOTS}`, 'slot');
    }
  }
  if (input.defaultValue !== undefined && input.defaultValue !== null && !Number.isFinite(input.defaultValue)) {
    throw new AppError('validation_failed', 'defaultValue must be a finite number', 'defaultValue');
  }
  if (input.defaultCurrency !== undefined && input.defaultCurrency !== null) {
    if (!/^[A-Za-z]{3}$/.test(input.defaultCurrency)) {
      throw new AppError('validation_failed', 'defaultCurrency is an ISO 4217 code such as USD', 'defaultCurrency');
    }
  }
  for (const tag of input.tags ?? []) {
    if (tag.trim() === '' || tag.length > 100) {
      throw new AppError('validation_failed', 'tags are 1-100 characters each', 'tags');
    }
  }
  for (const [destination, name] of Object.entries(input.destinationNames ?? {})) {
    if (!isDestinationKey(destination)) {
      throw new AppError(
        'validation_failed',
        `destinationNames keys are destination kinds (meta, google-ads, linkedin, tiktok, microsoft, webhook, warehouse) or destination ids (dst_…), got "${destination}"`,
        'destinationNames',
      );
    }
    if (name.trim() === '' || name.length > 200) {
      throw new AppError('validation_failed', 'platform event names are 1-200 characters', 'destinationNames');
    }
  }
}

async function assertSlotFree(
  db: Kysely<Database>,
  workspaceId: string,
  slot: number | null | undefined,
  key: string,
): Promise<void> {
  if (slot === undefined || slot === null) return;
  const holder = await db
    .selectFrom('custom_events')
    .select('key')
    .where('workspace_id', '=', workspaceId)
    .where('slot', '=', slot)
    .where('archived', '=', 0)
    .where('key', '!=', key)
    .executeTakeFirst();
  if (holder !== undefined) {
    throw new AppError('conflict', `custom_event_${slot} already answers to "${holder.key}"`, 'slot');
  }
}

function toRow(
  workspaceId: string,
  id: string,
  key: string,
  def: CustomEventDefinition,
  createdAt: number,
  now: number,
) {
  return {
    workspace_id: workspaceId,
    key,
    custom_event_id: id,
    display_name: def.displayName,
    slot: def.slot,
    default_value: def.defaultValue,
    default_currency: def.defaultCurrency,
    tags: JSON.stringify(def.tags),
    destination_names: JSON.stringify(def.destinationNames),
    archived: def.archived ? 1 : 0,
    created_at: createdAt,
    updated_at: now,
  } satisfies CustomEventTable;
}

function merged(base: CustomEventDefinition, input: CustomEventInput): CustomEventDefinition {
  return {
    key: base.key,
    displayName: input.displayName?.trim() ?? base.displayName,
    slot: input.slot === undefined ? base.slot : input.slot,
    defaultValue: input.defaultValue === undefined ? base.defaultValue : input.defaultValue,
    defaultCurrency:
      input.defaultCurrency === undefined ? base.defaultCurrency : (input.defaultCurrency?.toUpperCase() ?? null),
    tags: input.tags === undefined ? base.tags : [...new Set(input.tags.map((t) => t.trim()))],
    destinationNames: input.destinationNames ?? base.destinationNames,
    archived: input.archived ?? base.archived,
  };
}

/** Creates a custom event; 409 conflict when the key exists (archived or not) or the slot is taken. */
export async function defineCustomEvent(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
  input: CustomEventInput,
  actor: string,
  now: number,
): Promise<CustomEventDefinition> {
  validateKey(key);
  validateInput(input);
  const define = db.transaction().execute(async (trx) => {
    if ((await getCustomEvent(trx, workspaceId, key)) !== undefined) {
      throw new AppError('conflict', `custom event "${key}" already exists; update it instead`, 'key');
    }
    const def = merged(blankDefinition(key), input);
    if (!def.archived) await assertSlotFree(trx, workspaceId, def.slot, key);
    await trx
      .insertInto('custom_events')
      .values(toRow(workspaceId, newId('cev', now), key, def, now, now))
      .execute();
    await recordChange(
      trx,
      { workspaceId, subject: 'custom_event', eventName: key, destination: '', actor, now },
      null,
      def,
    );
    return def;
  });
  return define.catch(async (error: unknown) => {
    // two callers defining one key at once: the loser hits the primary key, and gets the same 409
    if (!(error instanceof AppError) && (await getCustomEvent(db, workspaceId, key)) !== undefined) {
      throw new AppError('conflict', `custom event "${key}" already exists; update it instead`, 'key');
    }
    throw error;
  });
}

/** Changes a custom event (archived: true archives, false restores); 404 when it does not exist. */
export async function updateCustomEvent(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
  input: CustomEventInput,
  actor: string,
  now: number,
): Promise<CustomEventDefinition> {
  validateInput(input);
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('custom_events')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (row === undefined) throw new AppError('not_found', `no custom event "${key}" in this workspace`, 'key');
    const before = toDefinition(row);
    const after = merged(before, input);
    if (!after.archived) await assertSlotFree(trx, workspaceId, after.slot, key);
    await trx
      .updateTable('custom_events')
      .set(toRow(workspaceId, row.custom_event_id, key, after, Number(row.created_at), now))
      .where('workspace_id', '=', workspaceId)
      .where('key', '=', key)
      .execute();
    await recordChange(
      trx,
      { workspaceId, subject: 'custom_event', eventName: key, destination: '', actor, now },
      before,
      after,
    );
    return after;
  });
}

export function archiveCustomEvent(
  db: Kysely<Database>,
  workspaceId: string,
  key: string,
  actor: string,
  now: number,
): Promise<CustomEventDefinition> {
  return updateCustomEvent(db, workspaceId, key, { archived: true }, actor, now);
}
