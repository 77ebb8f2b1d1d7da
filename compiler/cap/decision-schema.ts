import { z } from 'zod';
import { CAP_CERTAINTIES, CAP_SEVERITIES, CAP_STATUSES, CAP_URGENCIES } from './cap-alert.ts';
import { CAP_DECISION_CODES, type CapDecision } from './evaluate-alert.ts';

// The decisions of evaluate-alert.ts as data that crosses a process boundary: the hub stores
// them, pushes them to players, and a player keeps them across restarts and folds them with
// alert-ledger.ts using its own clock. Whoever receives one parses it here once, at the edge;
// the type annotation makes the compiler check that the schema and CapDecision agree.

const key = z.string().regex(/^[^\s,]+,[^\s,]+,[^\s,]+$/, 'must be a "sender,identifier,sent" key');
const ms = z.number().int();

const showSchema = z.strictObject({
  kind: z.literal('show'),
  presentation: z.enum(['takeover', 'banner']),
  riskLevel: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(5)]),
  riskLevelSource: z.enum(['parameter', 'severity']),
  exercise: z.boolean(),
  status: z.enum(CAP_STATUSES),
  msgType: z.enum(['Alert', 'Update']),
  urgency: z.enum(CAP_URGENCIES),
  severity: z.enum(CAP_SEVERITIES),
  certainty: z.enum(CAP_CERTAINTIES),
  headline: z.string().min(1),
  description: z.string().optional(),
  instruction: z.string().optional(),
  event: z.string().min(1),
  areaDesc: z.string(),
  matchedBy: z.enum(['polygon', 'circle', 'geocode', 'no-area', 'no-geometry']),
  sender: z.string().min(1),
  senderName: z.string().min(1),
  issuedAtMs: ms,
  effectiveMs: ms,
  onsetMs: ms.optional(),
  expiresMs: ms,
  language: z.string(),
  key,
  references: z.array(key),
  replaces: z.array(key),
  warnings: z.array(z.string()),
});

export const capDecisionSchema: z.ZodType<CapDecision> = z.discriminatedUnion('kind', [
  showSchema,
  z.strictObject({ kind: z.literal('refuse'), code: z.enum(CAP_DECISION_CODES), reason: z.string(), key, issuedAtMs: ms, replaces: z.array(key), exercise: z.boolean() }),
  z.strictObject({ kind: z.literal('not-for-site'), reason: z.string(), key, issuedAtMs: ms, exercise: z.boolean(), replaces: z.array(key), warnings: z.array(z.string()) }),
  z.strictObject({ kind: z.literal('cancel'), key, issuedAtMs: ms, exercise: z.boolean(), targets: z.array(key), warnings: z.array(z.string()) }),
]);
