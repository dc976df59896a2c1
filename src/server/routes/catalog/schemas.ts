import { Type } from 'typebox';

export const DecisionSchema = Type.Object({
  send: Type.Boolean(),
  platformEventName: Type.Union([Type.String(), Type.Null()]),
  reason: Type.String(),
});

export const DecisionsByKind = Type.Record(Type.String(), DecisionSchema, {
  description: 'destination kind (meta, google-ads, linkedin, tiktok, microsoft, webhook, warehouse) -> decision',
});

export const CatalogEventSchema = Type.Object({
  name: Type.String(),
  stage: Type.String(),
  description: Type.String(),
  whenToFire: Type.Union([Type.String(), Type.Null()]),
  avoid: Type.Union([Type.String(), Type.Null()]),
  extension: Type.Boolean(),
  origin: Type.Union([Type.String(), Type.Null()]),
  internal: Type.Boolean(),
  aliases: Type.Array(Type.Object({ alias: Type.String(), group: Type.String() })),
  routing: DecisionsByKind,
});

export const CustomEventSchema = Type.Object({
  key: Type.String(),
  displayName: Type.String(),
  slot: Type.Union([Type.Integer(), Type.Null()]),
  defaultValue: Type.Union([Type.Number(), Type.Null()]),
  defaultCurrency: Type.Union([Type.String(), Type.Null()]),
  tags: Type.Array(Type.String()),
  destinationNames: Type.Record(Type.String(), Type.String()),
  archived: Type.Boolean(),
});

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);
const NullableString = Type.Union([Type.String(), Type.Null()]);

const customEventFields = {
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  slot: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 25 }), Type.Null()])),
  defaultValue: Type.Optional(NullableNumber),
  defaultCurrency: Type.Optional(NullableString),
  tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 50 })),
  destinationNames: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1, maxLength: 200 }))),
};

export const CreateCustomEventBody = Type.Object(
  { key: Type.String({ minLength: 1, maxLength: 100 }), ...customEventFields },
  { additionalProperties: false },
);

export const UpdateCustomEventBody = Type.Object(
  { ...customEventFields, archived: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

export const RouteChangeBody = Type.Object(
  {
    event: Type.String({ minLength: 1, maxLength: 200, description: 'canonical name, alias or custom event key' }),
    destination: Type.String({ minLength: 1, maxLength: 100, description: 'destination kind or destination id' }),
    enabled: Type.Optional(
      Type.Union([Type.Boolean(), Type.Null()], { description: 'true/false overrides the default; null resets it' }),
    ),
    platformEventName: Type.Optional(
      Type.Union([Type.String({ maxLength: 200 }), Type.Null()], {
        description: 'platform event name / conversion action to send; null resets it to the default',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RouteChangeResponse = Type.Object({
  event: Type.String(),
  isCanonical: Type.Boolean(),
  destination: Type.String(),
  enabled: Type.Union([Type.Boolean(), Type.Null()]),
  platformEventName: NullableString,
  decision: Type.Union([DecisionSchema, Type.Null()], {
    description: 'the effective decision after the change (null for an id naming no destination of this workspace)',
  }),
});

const OverrideSchema = Type.Object({
  event: Type.String(),
  destination: Type.String(),
  enabled: Type.Boolean(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

const PlatformNameSchema = Type.Object({
  event: Type.String(),
  destination: Type.String(),
  platformName: Type.String(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});

export const RoutingViewSchema = Type.Object({
  overrides: Type.Array(OverrideSchema),
  platformNames: Type.Array(PlatformNameSchema),
  matrix: Type.Array(Type.Object({ event: Type.String(), isCanonical: Type.Boolean(), destinations: DecisionsByKind })),
});

export const AuditPageSchema = Type.Object({
  data: Type.Array(
    Type.Object({
      id: Type.String(),
      subject: Type.String(),
      event: Type.String(),
      destination: NullableString,
      actor: Type.String(),
      at: Type.String(),
      before: Type.Unknown(),
      after: Type.Unknown(),
    }),
  ),
  nextCursor: NullableString,
});

const Resolution = Type.Union([Type.Literal('canonical'), Type.Literal('custom'), Type.Literal('unknown')]);

export const SurfaceSchema = Type.Union(
  ['cometly', 'capture', 'segment', 'conversions', 'pixel', 'source'].map((s) => Type.Literal(s)),
);

export const ExplainSchema = Type.Object({
  input: Type.String(),
  surface: Type.String(),
  resolution: Resolution,
  event: NullableString,
  message: NullableString,
  catalog: Type.Union([Type.Omit(CatalogEventSchema, ['aliases', 'routing']), Type.Null()]),
  surfaces: Type.Record(Type.String(), Type.Object({ resolution: Resolution, event: NullableString })),
  destinations: DecisionsByKind,
  configured: Type.Array(
    Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), decision: DecisionSchema }),
  ),
});
