/** Small middy middlewares shared by the HTTP handlers. */
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { errorResponse } from '../http.ts';
import { logger as sharedLogger } from './observability.ts';

export interface HttpErrorsOptions {
  /** Where 5xx causes go. @default the process-wide Powertools logger */
  readonly logger?: { error(message: string, extra: { error: unknown }): void };
  /** Told every 4xx the mapping produced (its status), e.g. to count refusals by kind. */
  readonly onRefused?: (statusCode: number) => void;
}

/**
 * Map every thrown error to a response in one place. Whatever becomes a 5xx (an unexpected error, or a
 * `ReboundError` with no client meaning such as `ConcurrencyError`) is logged with its cause, because the
 * client is told nothing more than `internal_error`.
 */
export function httpErrors(
  options: HttpErrorsOptions = {},
): middy.MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const logger = options.logger ?? sharedLogger;
  return {
    onError: async (request) => {
      const response = errorResponse(request.error);
      const status = response.statusCode ?? 500;
      if (status >= 500) logger.error('Request failed', { error: request.error });
      else options.onRefused?.(status);
      request.response = response;
    },
  };
}
