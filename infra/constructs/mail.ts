import { Duration, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus } from 'aws-cdk-lib/aws-events';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  EmailIdentity,
  EmailSendingEvent,
  EventDestination,
  Identity,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface MailProps {
  /** The `From:` address. */
  readonly mailFrom: string;
  /** Verify this whole domain (Easy DKIM) instead of the single `mailFrom` address. @default - the address */
  readonly domain?: string;
  readonly alarmAction: IAlarmAction;
}

/**
 * Everything SES needs to send Rebound's reminders:
 * - a configuration set with reputation metrics, TLS required, and an event destination that publishes
 *   bounces and complaints to the account's default EventBridge bus (the only bus SES can target);
 * - the sending identity (domain or address), with that configuration set as its default;
 * - alarms on the account's bounce and complaint rates, before SES puts the account under review.
 */
export class Mail extends Construct {
  public readonly configurationSet: ConfigurationSet;
  public readonly identity: EmailIdentity;
  /** `arn:…:ses:<region>:<account>:configuration-set/<name>`: SendEmail is authorised against it. */
  public readonly configurationSetArn: string;

  public constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      sendingEnabled: true,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.configurationSet.addEventDestination('BouncesAndComplaintsToEventBridge', {
      destination: EventDestination.eventBus(EventBus.fromEventBusName(this, 'DefaultBus', 'default')),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });
    this.configurationSetArn = Stack.of(this).formatArn({
      service: 'ses',
      resource: 'configuration-set',
      resourceName: this.configurationSet.configurationSetName,
    });

    this.identity = new EmailIdentity(this, 'Identity', {
      identity: props.domain ? Identity.domain(props.domain) : Identity.email(props.mailFrom),
      configurationSet: this.configurationSet,
    });

    // Account-level reputation (no dimension): the numbers SES itself acts on. SES reviews an account at
    // 5 % bounces / 0.1 % complaints; alarm a little earlier. No sending volume means no data: not breaching.
    const reputation = (metricName: string, threshold: number, what: string) =>
      new Alarm(this, `${what}RateAlarm`, {
        alarmDescription: `SES ${what.toLowerCase()} rate ≥ ${threshold * 100} % (SES reviews the account above this)`,
        metric: new Metric({
          namespace: 'AWS/SES',
          metricName,
          statistic: 'Maximum',
          period: Duration.minutes(15),
        }),
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    reputation('Reputation.BounceRate', 0.04, 'Bounce').addAlarmAction(props.alarmAction);
    reputation('Reputation.ComplaintRate', 0.0008, 'Complaint').addAlarmAction(props.alarmAction);
  }
}
