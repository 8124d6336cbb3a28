/** The fault registry and the `POST/DELETE /_local/faults` control handlers, without any network. */
import { describe, expect, it } from 'vitest';
import {
  applyFaultsControl,
  clearFaultsControl,
  type FaultDecision,
  FaultRegistry,
  type FaultRule,
} from '../../../infra/local/faults/index.ts';

function decisions(registry: FaultRegistry, operation: string, calls: number): (FaultDecision | undefined)[] {
  return Array.from({ length: calls }, () => registry.decide(operation));
}

function registryWith(...rules: FaultRule[]): FaultRegistry {
  const registry = new FaultRegistry();
  registry.add(rules);
  return registry;
}

describe('FaultRegistry', () => {
  it('faults the next N calls of the rule operation only, then removes the rule', () => {
    // Prepare
    const registry = registryWith({ operation: 'SES.SendEmail', effect: 'throttle', count: 2 });

    // Act
    const other = registry.decide('DynamoDB.PutItem');
    const sends = decisions(registry, 'SES.SendEmail', 3);

    // Assess
    expect(other).toBeUndefined();
    expect(sends).toEqual([
      { effect: 'throttle', delayMs: 0 },
      { effect: 'throttle', delayMs: 0 },
      undefined,
    ]);
    expect(registry.list()).toEqual([]);
  });

  it('hits the same calls on every run for a rate rule with the same seed, and other calls for another seed', () => {
    // Prepare
    const rule: FaultRule = { operation: 'SES.SendEmail', effect: 'fail', rate: 0.3, seed: 42 };

    // Act
    const first = decisions(registryWith(rule), 'SES.SendEmail', 200).map(Boolean);
    const second = decisions(registryWith(rule), 'SES.SendEmail', 200).map(Boolean);
    const reseeded = decisions(registryWith({ ...rule, seed: 7 }), 'SES.SendEmail', 200).map(Boolean);

    // Assess
    expect(second).toEqual(first);
    expect(reseeded).not.toEqual(first);
    const hits = first.filter(Boolean).length;
    expect(hits).toBeGreaterThan(40);
    expect(hits).toBeLessThan(80);
  });

  it('stops a rate rule with a count after count faults', () => {
    // Prepare
    const registry = registryWith({ operation: 'DynamoDB.Query', effect: 'fail', rate: 0.5, count: 3 });

    // Act
    const hits = decisions(registry, 'DynamoDB.Query', 100).filter(Boolean).length;

    // Assess
    expect(hits).toBe(3);
    expect(registry.list()).toEqual([]);
  });

  it('applies the first matching rule in the order the rules were added', () => {
    // Prepare
    const registry = registryWith(
      { operation: 'DynamoDB.PutItem', effect: 'slow', delayMs: 50, count: 1 },
      { operation: 'DynamoDB.PutItem', effect: 'fail' },
    );

    // Act
    const [first, second] = decisions(registry, 'DynamoDB.PutItem', 2);

    // Assess
    expect(first).toEqual({ effect: 'slow', delayMs: 50 });
    expect(second).toEqual({ effect: 'fail', delayMs: 0 });
    expect(registry.list()).toEqual([{ id: 2, operation: 'DynamoDB.PutItem', effect: 'fail', injected: 1 }]);
  });
});

describe('applyFaultsControl', () => {
  it('adds one rule and answers with the active rules and what is left of their counts', () => {
    // Prepare
    const registry = new FaultRegistry();

    // Act
    const result = applyFaultsControl(registry, {
      operation: 'Scheduler.CreateSchedule',
      effect: 'throttle',
      count: 5,
    });

    // Assess
    expect(result).toEqual({
      status: 200,
      body: {
        rules: [
          {
            id: 1,
            operation: 'Scheduler.CreateSchedule',
            effect: 'throttle',
            count: 5,
            injected: 0,
            remaining: 5,
          },
        ],
      },
    });
  });

  it('adds an array of rules in order', () => {
    // Prepare
    const registry = new FaultRegistry();

    // Act
    const result = applyFaultsControl(registry, [
      { operation: 'SES.SendEmail', effect: 'fail', rate: 0.3, seed: 1 },
      { operation: 'DynamoDB.TransactWriteItems', effect: 'slow', delayMs: 200 },
    ]);

    // Assess
    expect(result.status).toBe(200);
    expect(registry.list().map((rule) => rule.operation)).toEqual([
      'SES.SendEmail',
      'DynamoDB.TransactWriteItems',
    ]);
  });

  it.each([
    ['an unknown operation', { operation: 'SES.SendBulkEmail', effect: 'fail' }, 'operation'],
    ['an unknown effect', { operation: 'SES.SendEmail', effect: 'explode' }, 'effect'],
    ['slow without delayMs', { operation: 'SES.SendEmail', effect: 'slow' }, 'delayMs'],
    ['delayMs on a fail rule', { operation: 'SES.SendEmail', effect: 'fail', delayMs: 10 }, 'delayMs'],
    ['a rate above 1', { operation: 'SES.SendEmail', effect: 'fail', rate: 1.5 }, 'rate'],
    ['a count of 0', { operation: 'SES.SendEmail', effect: 'fail', count: 0 }, 'count'],
    ['a stray key', { operation: 'SES.SendEmail', effect: 'fail', times: 3 }, 'times'],
    [
      'a bad second rule',
      [{ operation: 'SES.SendEmail', effect: 'fail' }, { operation: 'SES.SendEmail' }],
      '1.effect',
    ],
    ['null', null, ''],
  ])('answers 400 naming the field for %s, and adds nothing', (_name, body, path) => {
    // Prepare
    const registry = new FaultRegistry();

    // Act
    const result = applyFaultsControl(registry, body);

    // Assess
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({
      error: 'invalid_request',
      issues: [expect.objectContaining({ path })],
    });
    expect(registry.list()).toEqual([]);
  });
});

describe('clearFaultsControl', () => {
  it('removes every rule and says how many there were', () => {
    // Prepare
    const registry = registryWith(
      { operation: 'SES.SendEmail', effect: 'fail' },
      { operation: 'DynamoDB.Query', effect: 'throttle' },
    );

    // Act
    const result = clearFaultsControl(registry);

    // Assess
    expect(result).toEqual({ status: 200, body: { cleared: 2 } });
    expect(registry.decide('SES.SendEmail')).toBeUndefined();
  });
});
