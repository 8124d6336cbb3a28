import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMAS, renderSchema } from '#events/json-schema.ts';

describe('the published JSON Schemas', () => {
  it.each(Object.keys(JSON_SCHEMAS) as (keyof typeof JSON_SCHEMAS)[])(
    'events/schema/%s.schema.json is exactly what the zod contract generates (run npm run schema)',
    (name) => {
      const committed = readFileSync(
        new URL(`../../events/schema/${name}.schema.json`, import.meta.url),
        'utf8',
      );
      expect(committed).toBe(renderSchema(name));
    },
  );

  it('lists every event type and requires the rejection block for rejections', () => {
    const schema = JSON.parse(renderSchema('job-event')) as {
      oneOf: { properties: { type: { const: string } }; required: string[] }[];
    };
    const types = schema.oneOf.map((s) => s.properties.type.const).sort();
    expect(types).toEqual([
      'application.rejected',
      'application.submitted',
      'application.withdrawn',
      'interview.completed',
      'offer.accepted',
    ]);
    const rejected = schema.oneOf.find((s) => s.properties.type.const === 'application.rejected');
    expect(rejected?.required).toContain('rejection');
  });
});
