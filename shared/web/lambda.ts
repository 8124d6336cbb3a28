/**
 * A web app (`createWebApp`) as a Lambda handler behind the HTTP API: Hono's `aws-lambda` adapter, with the
 * two differences between its types and API Gateway's smoothed over in one place.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Hono } from 'hono';
import { handle, type LambdaEvent } from 'hono/aws-lambda';

// biome-ignore lint/suspicious/noExplicitAny: any Hono environment; the handler only passes requests through.
export function lambdaHandler(app: Hono<any>) {
  const lambda = handle(app);
  return async (
    event: APIGatewayProxyEventV2,
    context?: Context,
  ): Promise<APIGatewayProxyStructuredResultV2> => {
    // The same HTTP API v2 payload; Hono declares its own copy of the type (`body: string | null`).
    const result = await lambda(event as unknown as LambdaEvent, context);
    // For v2 events Hono returns cookies in `cookies`; a header listed twice is joined as HTTP allows.
    const headers = Object.fromEntries(
      Object.entries(result.headers).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(', ') : value,
      ]),
    );
    return { ...result, headers };
  };
}
