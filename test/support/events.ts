/**
 * The one fixture loader of the tests: the JSON files in `events/fixtures/`, read once, handed out as fresh
 * copies (raw, or parsed with the contract), plus a helper that takes an event through intake as the ingest
 * handler does.
 */
import { readdirSync, readFileSync } from 'node:fs';
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
const texts = new Map<string, string>();
const parsed = new Map<EventType, JobEventInput>();

/** The names of the event fixtures (`events/fixtures/<name>.json`), sorted. */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** A fresh copy of `events/fixtures/<name>.json` exactly as a client would send it, for tests of parsing. */
export function fixtureBody(name: string): Record<string, unknown> {
  let text = texts.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`${name}.json`, FIXTURES_DIR), 'utf8');
    texts.set(name, text);
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** A fresh, contract-valid copy of `events/fixtures/<type>.json`. */
export function fixture<T extends EventType>(type: T): EventOf<T> {
  let event = parsed.get(type);
  if (event === undefined) {
    event = JobEventInputSchema.parse(fixtureBody(type));
    parsed.set(type, event);
  }
  return structuredClone(event) as EventOf<T>;
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
