/**
 * Powertools logger and metrics, one instance per process. Log ids (userId, eventId, reminderId),
 * never email addresses or message bodies.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'rebound' });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Rebound',
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'rebound',
});
