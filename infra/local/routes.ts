/** The product's HTTP routes, as the HTTP API declares them on AWS, each turned into its function's event. */
import { LINK_ACTIONS } from '../../shared/links/actions.ts';
import { STYLESHEET_PATH } from '../../shared/web/layout.tsx';
import { type HttpFunction, lambdaRoute } from './http-gateway.ts';
import type { Route, Routes } from './support/http.ts';

export function productRoutes(fns: {
  readonly ingest: HttpFunction;
  readonly openapi: HttpFunction;
  readonly links: HttpFunction;
  readonly admin: HttpFunction;
  /** Told each intake answer's status (the console's request line). */
  readonly onIntake?: (status: number) => void;
}): Routes {
  return {
    // Not under the world lock: on AWS intake never waits for planning or timers.
    'POST /events': lambdaRoute('POST /events', fns.ingest, fns.onIntake),
    'GET /openapi.json': lambdaRoute('GET /openapi.json', fns.openapi),
    ...linkRoutes(fns.links),
    // As on AWS: the admin function verifies every request itself (there is no API Gateway authorizer).
    'GET /admin': lambdaRoute('GET /admin', fns.admin),
    'ANY /admin/{proxy+}': lambdaRoute('ANY /admin/{proxy+}', fns.admin),
  };
}

/** The links function's routes, as the HTTP API declares them on AWS (`/links/{action}`, `/assets/{file}`). */
function linkRoutes(fn: HttpFunction): Routes {
  const routes: Record<string, Route> = {
    [`GET ${STYLESHEET_PATH}`]: lambdaRoute('GET /assets/{file}', fn),
  };
  for (const action of LINK_ACTIONS) {
    routes[`GET /links/${action}`] = lambdaRoute('GET /links/{action}', fn);
    routes[`POST /links/${action}`] = lambdaRoute('POST /links/{action}', fn);
  }
  return routes;
}
