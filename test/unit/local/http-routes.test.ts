import { describe, expect, it } from 'vitest';
import { matchRoute, type Route, type Routes } from '../../../infra/local/support/http.ts';

const named = (name: string): Route & { routeName: string } =>
  Object.assign(async () => undefined, { routeName: name });

describe('the twin gateway matches routes as API Gateway does', () => {
  const routes: Routes = {
    'GET /admin': named('admin root'),
    'ANY /admin/{proxy+}': named('admin'),
    'GET /admin/api/{proxy+}': named('admin api'),
    'POST /events': named('events'),
  };
  const nameOf = (method: string, path: string) =>
    (matchRoute(routes, method, path) as (Route & { routeName: string }) | undefined)?.routeName;

  it('prefers an exact method and path', () => {
    expect(nameOf('POST', '/events')).toBe('events');
    expect(nameOf('GET', '/admin')).toBe('admin root');
  });

  it('sends every path below a greedy route to it, whatever the method for ANY', () => {
    expect(nameOf('GET', '/admin/upcoming')).toBe('admin');
    expect(nameOf('POST', '/admin/actions/reminders/u/r/cancel')).toBe('admin');
  });

  it('picks the longest greedy prefix that admits the method', () => {
    expect(nameOf('GET', '/admin/api/reminders')).toBe('admin api');
    expect(nameOf('POST', '/admin/api/reminders')).toBe('admin');
  });

  it('matches nothing outside the prefix, nor the prefix itself with a trailing slash only', () => {
    expect(nameOf('GET', '/administrator')).toBeUndefined();
    expect(nameOf('POST', '/admin')).toBeUndefined();
    expect(nameOf('GET', '/admin/')).toBeUndefined();
    expect(nameOf('GET', '/events')).toBeUndefined();
  });
});
