/** JSON Schema for the contracts, generated from the zod schemas (never written by hand). */
// A namespace import lets esbuild drop what is unused (all locales but the default): ~85 KB instead of ~450 KB.
import * as z from 'zod';
import { JobEventInputSchema } from './job-event.ts';
import { TimerPayloadSchema } from './timer-payload.ts';

export const JSON_SCHEMAS = {
  'job-event': () =>
    z.toJSONSchema(JobEventInputSchema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }),
  'timer-payload': () => z.toJSONSchema(TimerPayloadSchema, { target: 'draft-2020-12', io: 'input' }),
} as const;

export function renderSchema(name: keyof typeof JSON_SCHEMAS): string {
  return `${JSON.stringify(
    { $id: `https://rebound.example/schemas/${name}.schema.json`, ...JSON_SCHEMAS[name]() },
    null,
    2,
  )}\n`;
}
