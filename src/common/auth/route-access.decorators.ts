import { SetMetadata, applyDecorators } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';

/** Metadata key of a route's access rule; read by the API-key guard. */
export const ROUTE_ACCESS = 'routeAccess';

/** Who may call a route without the service API key, and why. */
export type RouteAccess = 'public' | 'provider-callback';

/** The route takes no API key: pages, documents and health anyone may open. */
export const Public = (): ClassDecorator & MethodDecorator =>
  SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'public');

/**
 * A payment provider calls this route. It takes no API key: the provider's own protocol
 * (signature, Basic auth) authenticates each call before anything is written. Nor is it rate
 * limited (SkipThrottle): a refused callback would delay a payment (failures are bounded in the
 * callback log instead).
 */
export const ProviderCallback = (): ClassDecorator & MethodDecorator =>
  applyDecorators(
    SetMetadata<string, RouteAccess>(ROUTE_ACCESS, 'provider-callback'),
    SkipThrottle(),
  );

/** Metadata key of `@StaffOnly()`; read by the API-key guard. */
export const STAFF_ONLY = 'staffOnly';

/**
 * Only the staff key (SERVICE_API_KEY) may call this route; a source key gets 403 FORBIDDEN.
 * For what acts across sources or judges an app's own requests (reconciliation, jobs, key
 * management, payout approval: an app must not approve its own payouts).
 */
export const StaffOnly = (): ClassDecorator & MethodDecorator =>
  SetMetadata<string, boolean>(STAFF_ONLY, true);
