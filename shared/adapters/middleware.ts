/** Small middy middlewares shared by the HTTP handlers. */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ReboundError } from '../errors.ts';
import { errorResponse } from '../http.ts';
import { logger } from './observability.ts';

/** Map every thrown error to a response in one place; unexpected ones are logged and hidden (500). */
export function httpErrors(): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const error = request.error;
      if (!(error instanceof ReboundError)) logger.error('Unhandled error', { error });
      request.response = errorResponse(error);
    },
  };
}
