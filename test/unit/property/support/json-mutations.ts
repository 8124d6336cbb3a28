/**
 * Hostile JSON for property tests of the contract: arbitrary values, and valid fixtures with a few fields
 * replaced, removed or added (prototype-pollution keys included), as a careless or malicious client sends.
 */
import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { EVENT_TYPES, type EventType } from '#events/job-event.ts';

const FIXTURES_DIR = new URL('../../../../events/fixtures/', import.meta.url);

/** The parsed JSON of `events/fixtures/<type>.json`, a fresh copy each time. */
export function fixtureValue(type: EventType): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${type}.json`, FIXTURES_DIR), 'utf8')) as Record<string, unknown>;
}

/** Keys a client might send: every field of the contract, prototype-pollution keys and arbitrary text. */
export const keyArb = fc.oneof(
  fc.constantFrom(
    'type',
    'id',
    'occurredAt',
    'user',
    'email',
    'name',
    'timezone',
    'application',
    'ref',
    'company',
    'role',
    'contact',
    'title',
    'rejection',
    'stage',
    'reason',
    'message',
  ),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', ''),
  fc.string({ maxLength: 12 }),
);

/** Strings that have broken date, text and zone handling somewhere. */
const trickyStringArb = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\r\nBcc: x@example.com',
    '\u2028',
    '\ud800',
    '\udc00x',
    '👩🏽‍💻',
    'e\u0301',
    '\u202eevil',
    '9999-12-31T23:59:59-23:59',
    '0000-01-01T00:00:00Z',
    '1969-12-31T23:59:59Z',
    '2199-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    '2026-02-30T10:00:00Z',
    '2026-03-10T15:00:00.123456789012345678901234567890+01:00',
    'Europe/Berlin',
    'europe/berlin',
    'Etc/GMT+12',
    '+05:30',
    'Mars/Olympus',
    'sam@example.com',
    'not_selected',
    'interview',
    'application.submitted',
    'offer.accepted',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({
    unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    maxLength: 4,
  }),
  fc.nat({ max: 3000 }).map((n) => 'x'.repeat(n)),
);

/** Any JSON value, with the tricky strings above mixed in. */
export const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 3, arbitrary: trickyStringArb },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      {},
      [],
      null,
      0,
      -1,
      1e308,
      true,
      { name: '' },
      { title: 'Engineering Manager' },
      { __proto__: null },
    ),
  },
);

type Mutation =
  | { readonly op: 'set'; readonly at: number; readonly key: number; readonly value: unknown }
  | { readonly op: 'delete'; readonly at: number; readonly key: number }
  | { readonly op: 'add'; readonly at: number; readonly name: string; readonly value: unknown };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), key: fc.nat(), value: valueArb }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), key: fc.nat() }),
  fc.record({ op: fc.constant('add' as const), at: fc.nat(), name: keyArb, value: valueArb }),
);

function objectsIn(value: unknown, found: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    found.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) objectsIn(child, found);
  }
  return found;
}

/** Apply a mutation to `root` in place; `add` defines an own property, as `JSON.parse` does for `__proto__`. */
function apply(root: Record<string, unknown>, mutation: Mutation): void {
  const objects = objectsIn(root);
  const target = objects[mutation.at % objects.length];
  if (target === undefined) return;
  const keys = Object.keys(target);
  if (mutation.op === 'add') {
    Object.defineProperty(target, mutation.name, {
      value: mutation.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
    return;
  }
  const key = keys[mutation.key % Math.max(keys.length, 1)];
  if (key === undefined) return;
  if (mutation.op === 'delete') delete target[key];
  else target[key] = mutation.value;
}

/** A fixture with 1 to 3 fields replaced, removed or added. */
export const mutatedFixtureArb: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    type: fc.constantFrom(...EVENT_TYPES),
    mutations: fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
  })
  .map(({ type, mutations }) => {
    const value = fixtureValue(type);
    for (const mutation of mutations) apply(value, mutation);
    return value;
  });
