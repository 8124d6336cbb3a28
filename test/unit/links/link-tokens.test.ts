import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  InvalidLinkError,
  type KeyRing,
  LinkTokens,
  parseKeyRing,
} from '../../../shared/adapters/link-tokens.ts';
import { SettableClock } from '../../support/fakes.ts';

const key = () => randomBytes(32).toString('base64url');
const ring = (current: string, keys: Record<string, string>): KeyRing => ({ current, keys });
const DAY = 24 * 60 * 60 * 1000;

async function refusal(promise: Promise<unknown>): Promise<InvalidLinkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InvalidLinkError);
  return error as InvalidLinkError;
}

describe('link tokens', () => {
  it('verifies a token it signed and returns who, what and on what', async () => {
    // Prepare
    const tokens = new LinkTokens(ring('k1', { k1: key() }), new SettableClock('2027-01-04T09:00:00Z'));
    // Act
    const token = await tokens.sign({ userId: 'u1', action: 'snooze', target: 'r-42' });
    // Assess
    await expect(tokens.verify(token, 'snooze')).resolves.toEqual({
      userId: 'u1',
      action: 'snooze',
      target: 'r-42',
    });
  });

  it('refuses a token signed with another key', async () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    const theirs = new LinkTokens(ring('k1', { k1: key() }), clock);
    const ours = new LinkTokens(ring('k1', { k1: key() }), clock);
    const token = await theirs.sign({ userId: 'u1', action: 'unsubscribe' });
    expect((await refusal(ours.verify(token, 'unsubscribe'))).problem).toBe('invalid');
  });

  it('refuses a token whose kid is not in the ring', async () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    const secret = key();
    const signer = new LinkTokens(ring('old', { old: secret }), clock);
    const verifier = new LinkTokens(ring('new', { new: secret }), clock);
    const token = await signer.sign({ userId: 'u1', action: 'unsubscribe' });
    expect((await refusal(verifier.verify(token, 'unsubscribe'))).problem).toBe('invalid');
  });

  it('keeps links signed with the previous key working after a rotation', async () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    const k1 = key();
    const before = new LinkTokens(ring('k1', { k1 }), clock);
    const token = await before.sign({ userId: 'u1', action: 'preferences' });
    const after = new LinkTokens(ring('k2', { k1, k2: key() }), clock);
    await expect(after.verify(token, 'preferences')).resolves.toMatchObject({ userId: 'u1' });
  });

  it('expires a confirmation link after 30 days on the injected clock, not the system clock', async () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    const tokens = new LinkTokens(ring('k1', { k1: key() }), clock);
    const token = await tokens.sign({ userId: 'u1', action: 'confirm' });
    clock.set(new Date(clock.now().getTime() + 29 * DAY));
    await expect(tokens.verify(token, 'confirm')).resolves.toMatchObject({ action: 'confirm' });
    clock.set(new Date(clock.now().getTime() + 2 * DAY));
    expect((await refusal(tokens.verify(token, 'confirm'))).problem).toBe('expired');
  });

  it('expires an action link after 60 days but never an unsubscribe link', async () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    const tokens = new LinkTokens(ring('k1', { k1: key() }), clock);
    const done = await tokens.sign({ userId: 'u1', action: 'done', target: 'r1' });
    const unsubscribe = await tokens.sign({ userId: 'u1', action: 'unsubscribe' });
    clock.set(new Date(clock.now().getTime() + 61 * DAY));
    expect((await refusal(tokens.verify(done, 'done'))).problem).toBe('expired');
    await expect(tokens.verify(unsubscribe, 'unsubscribe')).resolves.toMatchObject({ userId: 'u1' });
  });

  it('refuses an action swapped into another action’s route', async () => {
    const tokens = new LinkTokens(ring('k1', { k1: key() }), new SettableClock('2027-01-04T09:00:00Z'));
    const done = await tokens.sign({ userId: 'u1', action: 'done', target: 'r1' });
    expect((await refusal(tokens.verify(done, 'stop'))).problem).toBe('wrong_action');
  });

  it('refuses a tampered payload', async () => {
    const tokens = new LinkTokens(ring('k1', { k1: key() }), new SettableClock('2027-01-04T09:00:00Z'));
    const token = await tokens.sign({ userId: 'u1', action: 'unsubscribe' });
    const [header, , signature] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ sub: 'u2', act: 'unsubscribe', iss: 'rebound' })).toString(
      'base64url',
    );
    expect((await refusal(tokens.verify(`${header}.${forged}.${signature}`, 'unsubscribe'))).problem).toBe(
      'invalid',
    );
  });

  it('reads the flat stored form of the key ring', () => {
    expect(parseKeyRing('{"current":"k2","k1":"a","k2":"b"}')).toEqual({
      current: 'k2',
      keys: { k1: 'a', k2: 'b' },
    });
    expect(() => parseKeyRing('{"k1":"a"}')).toThrow(/current/);
    expect(() => parseKeyRing('not json')).toThrow(/not JSON/);
  });

  it('refuses to start with a key shorter than 32 bytes', () => {
    const clock = new SettableClock('2027-01-04T09:00:00Z');
    expect(() => new LinkTokens(ring('k1', { k1: 'too-short-secret' }), clock)).toThrow(
      /shorter than 32 bytes/,
    );
  });
});
