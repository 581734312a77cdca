import type { FastifyRequest } from 'fastify';

/** Paths under /api/ that providers call: they speak each provider's format, not the service API's. */
const CALLBACK_PREFIX = '/api/callbacks/';

/** Whether a path (or URL) is a provider callback's: providers speak their own protocols there. */
export function isProviderCallbackPath(url: string): boolean {
  return url.startsWith(CALLBACK_PREFIX);
}

/**
 * The service API: every /api/* path but the provider callbacks. It speaks JSON only and answers
 * in the seed's envelope, whatever controller serves it, so no route can forget either. (Who needs
 * the service key is not decided here but by ApiKeyGuard, from each route's decorators.)
 */
export function isServiceApiPath(url: string): boolean {
  const path = url.split('?', 1)[0];
  return path.startsWith('/api/') && !isProviderCallbackPath(path);
}

/** The path of the matched route (its pattern), or of the request when no route matched. */
export function routePath(request: FastifyRequest): string {
  return request.routeOptions.url ?? request.url;
}
