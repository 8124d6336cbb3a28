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

  it('bounds every string (a length, an enum or a constant) and closes every object (no other fields)', () => {
    // Prepare
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (node === null || typeof node !== 'object') return;
      const schema = node as Record<string, unknown>;
      if (schema.type === 'string' && !('maxLength' in schema || 'enum' in schema || 'const' in schema)) {
        open.push(`${path} (string without maxLength)`);
      }
      if (schema.type === 'object' && schema.additionalProperties !== false)
        open.push(`${path} (open object)`);
      for (const [key, child] of Object.entries(schema)) walk(child, `${path}/${key}`);
    };

    // Act
    walk(JSON.parse(renderSchema('job-event')), '#');

    // Assess
    expect(open).toEqual([]);
  });

  it('publishes that a contact needs a name or an email, and that text is one line without control characters', () => {
    // Prepare
    type Node = { properties: Record<string, Node>; anyOf?: unknown; pattern?: string; maxLength?: number };
    const schema = JSON.parse(renderSchema('job-event')) as { oneOf: Node[] };

    // Act
    const [submitted] = schema.oneOf;
    const application = submitted?.properties.application;

    // Assess
    expect(application?.properties.contact?.anyOf).toEqual([{ required: ['name'] }, { required: ['email'] }]);
    expect(application?.properties.company).toMatchObject({
      maxLength: 120,
      pattern: '^[^\\p{Cc}\\p{Cs}\\u2028\\u2029]*$',
    });
    expect(submitted?.properties.occurredAt?.maxLength).toBe(40);
  });
});
