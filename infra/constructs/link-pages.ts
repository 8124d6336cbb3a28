import { Duration, Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { type LinkSigning, linkEnvironment } from './link-key-ring.ts';
import { type FunctionDefaults, ReboundFunction } from './rebound-function.ts';

export interface LinkPagesProps {
  /** Log settings of the stage. */
  readonly functionDefaults: FunctionDefaults;
  /** The single table: pages read the profile and reminders, and a POST appends a user-action event. */
  readonly table: ITable;
  /** The HTTP API the routes are added to (the intake's: links point at its URL). */
  readonly api: HttpApi;
  /** Where links point and the key ring that verifies them. */
  readonly signing: LinkSigning;
}

/**
 * The pages behind the links in emails: the links function (a Hono app) on three routes of the HTTP API.
 * GET shows a page and changes nothing (mail scanners fetch every link); POST to the same URL acts.
 * - `GET|POST /links/{action}`: the confirm, action, unsubscribe (RFC 8058 one-click) and preferences pages;
 * - `GET /assets/{file}`: the stylesheet they share.
 */
export class LinkPages extends Construct {
  public readonly function: ReboundFunction<'links'>;
  public readonly routes: readonly HttpRoute[];

  public constructor(scope: Construct, id: string, props: LinkPagesProps) {
    super(scope, id);
    const fn = new ReboundFunction(this, 'Function', {
      ...props.functionDefaults,
      name: 'links',
      description: 'GET|POST /links/{action}, GET /assets/{file}: the pages behind the links in emails',
      timeout: Duration.seconds(10),
      config: { TABLE_NAME: props.table.tableName, ...linkEnvironment(props.signing) },
    });
    fn.bindTable(props.table, 'readWrite');
    fn.allowReadLinkKeys(props.signing.keyRing);
    this.function = fn;

    const integration = new HttpLambdaIntegration('LinksIntegration', fn);
    this.routes = [
      ...props.api.addRoutes({
        path: '/links/{action}',
        methods: [HttpMethod.GET, HttpMethod.POST],
        integration,
      }),
      ...props.api.addRoutes({ path: '/assets/{file}', methods: [HttpMethod.GET], integration }),
    ];
    for (const route of this.routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Opened from emails by people who have no account: the signed, expiring token in the URL is the authorization (checked by the function); the stylesheet is public.',
      });
    }
  }
}
