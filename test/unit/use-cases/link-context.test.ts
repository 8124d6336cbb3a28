import { describe, expect, it } from 'vitest';
import { userIdFor } from '../../../shared/domain/ids.ts';
import { linkTarget } from '../../../shared/use-cases/link-context.ts';
import { confirmedUser, pipeline } from '../../support/pipeline.ts';

describe('what a link points at', () => {
  it('shows the preferences of a user who exists', async () => {
    // Prepare
    const p = pipeline('2027-01-04T09:00:00Z');
    const userId = await confirmedUser('sam@example.com', p);
    // Act
    const target = await linkTarget({ userId, action: 'preferences' }, p);
    // Assess
    expect(target).toMatchObject({ consent: 'confirmed', optOuts: [] });
  });

  it('treats a user with no profile as gone', async () => {
    const p = pipeline('2027-01-04T09:00:00Z');
    expect(
      await linkTarget({ userId: userIdFor('nobody@example.com'), action: 'unsubscribe' }, p),
    ).toBeUndefined();
  });

  it('treats a profile past its expiry as gone, even before DynamoDB deletes it', async () => {
    // Prepare
    const p = pipeline('2027-01-04T09:00:00Z');
    const userId = await confirmedUser('sam@example.com', p);
    await p.store.setExpiry(userId, Math.floor(Date.parse('2027-01-10T00:00:00Z') / 1000));
    // Act / Assess
    expect(await linkTarget({ userId, action: 'preferences' }, p)).toBeDefined();
    p.clock.set('2027-01-10T00:00:00Z');
    expect(await linkTarget({ userId, action: 'preferences' }, p)).toBeUndefined();
  });

  it('treats a reminder link whose reminder is gone as dead', async () => {
    const p = pipeline('2027-01-04T09:00:00Z');
    const userId = await confirmedUser('sam@example.com', p);
    expect(await linkTarget({ userId, action: 'done', target: 'r_missing' }, p)).toBeUndefined();
    expect(await linkTarget({ userId, action: 'stop', target: 'no-such-app' }, p)).toBeUndefined();
  });
});
