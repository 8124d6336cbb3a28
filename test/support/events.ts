/**
 * Event fixtures for unit tests: the JSON files in `events/fixtures/`, parsed once with the contract and
 * cloned for every use, plus a helper that takes an event through intake as the ingest handler does.
 */
import { readFileSync } from 'node:fs';
import {
  type EventType,
  type JobEventInput,
  JobEventInputSchema,
  type StoredJobEvent,
} from '#events/job-event.ts';
import { recordEvent } from '#shared/use-cases/record-event.ts';
import type { InMemoryReminderStore, SettableClock } from './fakes.ts';

export type EventOf<T extends EventType> = Extract<JobEventInput, { type: T }>;

const FIXTURES_DIR = new URL('../../events/fixtures/', import.meta.url);
const loaded = new Map<EventType, JobEventInput>();

/** A fresh, contract-valid copy of `events/fixtures/<type>.json`. */
export function fixture<T extends EventType>(type: T): EventOf<T> {
  let parsed = loaded.get(type);
  if (parsed === undefined) {
    parsed = JobEventInputSchema.parse(
      JSON.parse(readFileSync(new URL(`${type}.json`, FIXTURES_DIR), 'utf8')),
    );
    loaded.set(type, parsed);
  }
  return structuredClone(parsed) as EventOf<T>;
}

/** The raw text of a fixture, for tests of body parsing. */
export function fixtureBody(type: EventType): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`${type}.json`, FIXTURES_DIR), 'utf8')) as Record<string, unknown>;
}

/** Record the event at the clock's now and return it as the table's stream would deliver it. */
export async function intake(
  input: JobEventInput,
  deps: { readonly store: InMemoryReminderStore; readonly clock: SettableClock },
): Promise<StoredJobEvent> {
  const { userId, eventId } = await recordEvent(input, deps);
  const stored = deps.store.storedEvent(userId, eventId);
  if (!stored) throw new Error(`intake: event ${eventId} was not stored`);
  return stored;
}
