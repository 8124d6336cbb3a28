/**
 * Powertools logger and metrics, one instance per process. Log ids (userId, eventId, reminderId),
 * never email addresses or message bodies. The CDK app sets `POWERTOOLS_SERVICE_NAME` and
 * `POWERTOOLS_METRICS_NAMESPACE` from the same `POWERTOOLS` values used as defaults here.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { POWERTOOLS } from '../wiring.ts';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? POWERTOOLS.service });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? POWERTOOLS.namespace,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? POWERTOOLS.service,
});
