import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';

export interface OnePeriodAlarmProps {
  /** The metric, with the statistic and period the alarm judges. */
  readonly metric: IMetric;
  /** What it means when the alarm fires, for the person who receives it. */
  readonly description: string;
  /** Notified when the alarm fires. */
  readonly action: IAlarmAction;
  /** @default 1 (any occurrence) */
  readonly threshold?: number;
  /** @default ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD */
  readonly comparisonOperator?: ComparisonOperator;
}

/**
 * The project's one alarm shape: it fires on a single period at or over the threshold (by default: any
 * occurrence), and a period without data is not breaching. Every alarm here watches something that should
 * not happen at all (an error, a parked message, a lost timer), so one datapoint is enough, and no traffic
 * is good news.
 */
export function onePeriodAlarm(scope: Construct, id: string, props: OnePeriodAlarmProps): Alarm {
  const alarm = new Alarm(scope, id, {
    alarmDescription: props.description,
    metric: props.metric,
    threshold: props.threshold ?? 1,
    evaluationPeriods: 1,
    comparisonOperator: props.comparisonOperator ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: TreatMissingData.NOT_BREACHING,
  });
  alarm.addAlarmAction(props.action);
  return alarm;
}
