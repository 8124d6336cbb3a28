import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, JobEventInputSchema } from '#events/job-event.ts';
import { fixtureBody, fixtureNames } from '../support/events.ts';

const names = fixtureNames();

describe('event fixtures', () => {
  it('include one fixture per event type', () => {
    // Prepare
    const expected = [...EVENT_TYPES];

    // Act
    const present = new Set(names);

    // Assess
    for (const type of expected) expect(present).toContain(type);
  });

  it.each(names)('%s is a valid JobEventInput', (name) => {
    // Prepare
    const body = fixtureBody(name);

    // Act
    const result = JobEventInputSchema.safeParse(body);

    // Assess
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.success).toBe(true);
  });

  it.each(names)('%s is an event of the type it is named after', (name) => {
    // Prepare
    const body = JobEventInputSchema.parse(fixtureBody(name));

    // Act
    const type = body.type;

    // Assess
    expect(type).toBe(name);
  });

  it('hands out a fresh copy each time, so a test cannot change what the next one reads', () => {
    // Prepare
    const first = fixtureBody('application.submitted');
    first.type = 'changed';

    // Act
    const second = fixtureBody('application.submitted');

    // Assess
    expect(second.type).toBe('application.submitted');
  });
});
