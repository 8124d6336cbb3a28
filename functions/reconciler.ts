/** Primary adapter: a recurring schedule (every 5 minutes) that sends reminders whose timer was lost. */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import { sendDependencies } from '#shared/adapters/compose.ts';
import { logger, metrics } from '#shared/adapters/observability.ts';
import { loadConfig } from '#shared/config.ts';
import { type ReconcileResult, reconcile } from '#shared/use-cases/reconcile.ts';
import type { SendDueDeps } from '#shared/use-cases/send-due-reminders.ts';

const config = loadConfig('reconciler');
const deps: SendDueDeps = sendDependencies(config);

export async function runReconciler(
  dependencies: SendDueDeps = deps,
): Promise<Omit<ReconcileResult, 'stuckDigests'> & { stuck: number }> {
  const { stuckDigests, ...result } = await reconcile(config.RECONCILE_AFTER_MINUTES * 60_000, dependencies);
  if (stuckDigests.length > 0) {
    // Operator signal: these emails may or may not have gone out; they are never resent automatically.
    logger.warn('Digests stuck in sending', { digestIds: stuckDigests.map((d) => d.digestId) });
  }
  logger.info('Reconciled', { ...result, stuck: stuckDigests.length });
  // Alarm on these: recovered reminders mean timers are being lost; stuck digests need an operator.
  metrics.addMetric('RemindersRecovered', MetricUnit.Count, result.reminders);
  metrics.addMetric('StuckDigests', MetricUnit.Count, stuckDigests.length);
  return { ...result, stuck: stuckDigests.length };
}

export const handler = middy()
  .use(injectLambdaContext(logger))
  .use(logMetrics(metrics))
  .handler(() => runReconciler());
