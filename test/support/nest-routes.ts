import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** One route Nest mounted, with what its decorators can be read from. */
export interface MountedRoute {
  method: RequestMethod;
  /** The full path pattern, e.g. `/api/invoices/:id`. */
  path: string;
  handler: (...args: unknown[]) => unknown;
  controller: new (...args: never[]) => object;
  /** `Controller.method`, for failure messages. */
  where: string;
}

/** Every route Nest mounted, read from the controllers' metadata as the router reads it. */
export function mountedRoutes(app: NestFastifyApplication): MountedRoute[] {
  const routes: MountedRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | null;
      if (!controller) continue;
      const prefixes = [Reflect.getMetadata(PATH_METADATA, controller) as string | string[]].flat();
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined) continue;
        const paths = [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat();
        for (const prefix of prefixes) {
          for (const path of paths) {
            routes.push({
              method,
              path: `/${[prefix, path]
                .map((p) => p.replace(/^\/+|\/+$/g, ''))
                .filter(Boolean)
                .join('/')}`,
              handler: handler as MountedRoute['handler'],
              controller,
              where: `${controller.name}.${name}`,
            });
          }
        }
      }
    }
  }
  return routes;
}
