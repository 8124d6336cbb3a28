import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, JobEventInputSchema } from '#events/job-event.ts';

const FIXTURES_DIR = new URL('../../events/fixtures/', import.meta.url);
const fixtureFiles = readdirSync(FIXTURES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();

describe('event fixtures', () => {
  it('include one fixture per event type', () => {
    // Prepare
    const expected = EVENT_TYPES.map((type) => `${type}.json`);

    // Act
    const present = new Set(fixtureFiles);

    // Assess
    for (const name of expected) expect(present).toContain(name);
  });

  it.each(fixtureFiles)('%s is a valid JobEventInput', (name) => {
    // Prepare
    const body: unknown = JSON.parse(readFileSync(new URL(name, FIXTURES_DIR), 'utf8'));

    // Act
    const result = JobEventInputSchema.safeParse(body);

    // Assess
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it.each(fixtureFiles.filter((name) => EVENT_TYPES.some((type) => name === `${type}.json`)))(
    '%s is an event of the type it is named after',
    (name) => {
      // Prepare
      const body = JobEventInputSchema.parse(JSON.parse(readFileSync(new URL(name, FIXTURES_DIR), 'utf8')));

      // Act
      const type = body.type;

      // Assess
      expect(`${type}.json`).toBe(name);
    },
  );
});
