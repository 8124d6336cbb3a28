import { Duration, Stack } from 'aws-cdk-lib';
import { type IAlarmAction, Metric } from 'aws-cdk-lib/aws-cloudwatch';
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
import { onePeriodAlarm } from './alarms.ts';

export interface MailProps {
  /** The `From:` address. */
  readonly mailFrom: string;
  /** Verify this whole domain (Easy DKIM) instead of the single `mailFrom` address. @default - the address */
  readonly domain?: string;
  /** Notified when the account's bounce or complaint rate nears the level at which SES reviews it. */
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
  /** The `From:` address every email is sent from. */
  public readonly mailFrom: string;
  /** The identity's ARN: SendEmail is authorised against it (see `ReboundFunction.allowSendEmail`). */
  public readonly identityArn: string;
  /** `arn:…:ses:<region>:<account>:configuration-set/<name>`: SendEmail is authorised against it. */
  public readonly configurationSetArn: string;

  public constructor(scope: Construct, id: string, props: MailProps) {
    super(scope, id);
    this.mailFrom = props.mailFrom;
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
    this.identityArn = this.identity.emailIdentityArn;

    // Account-level reputation (no dimension): the numbers SES itself acts on. SES reviews an account at
    // 5 % bounces / 0.1 % complaints; alarm a little earlier. No sending volume means no data: not breaching.
    const reputation = (metricName: string, threshold: number, what: string) =>
      onePeriodAlarm(this, `${what}RateAlarm`, {
        description: `SES ${what.toLowerCase()} rate ≥ ${threshold * 100} % (SES reviews the account above this)`,
        metric: new Metric({
          namespace: 'AWS/SES',
          metricName,
          statistic: 'Maximum',
          period: Duration.minutes(15),
        }),
        threshold,
        action: props.alarmAction,
      });
    reputation('Reputation.BounceRate', 0.04, 'Bounce');
    reputation('Reputation.ComplaintRate', 0.0008, 'Complaint');
  }

  /** The part of a mail-sending function's config that names this identity (`MAIL_FROM`, `SES_CONFIGURATION_SET`). */
  public get senderConfig(): { readonly MAIL_FROM: string; readonly SES_CONFIGURATION_SET: string } {
    return { MAIL_FROM: this.mailFrom, SES_CONFIGURATION_SET: this.configurationSet.configurationSetName };
  }
}
