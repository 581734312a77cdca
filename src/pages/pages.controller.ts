import { Controller, Get, Param, Query, Res, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { Public } from '../common/auth/route-access.decorators';
import { BuyerPageErrorFilter } from './buyer-page-error.filter';
import { renderLandingPage } from './landing.page';
import { PagesService } from './pages.service';
import { HealthService } from '../health/health.service';

/** Server-rendered pages buyers see. */
@ApiExcludeController()
@Public()
@Controller()
export class PagesController {
  constructor(
    private readonly pages: PagesService,
    private readonly health: HealthService,
  ) {}

  @Get()
  landing(@Res({ passthrough: true }) reply: FastifyReply): string {
    void reply.header('content-type', 'text/html; charset=utf-8');
    return renderLandingPage(this.health.health());
  }

  @Get('pay/:id')
  @UseFilters(new BuyerPageErrorFilter())
  async buyerPage(
    @Param('id') id: string,
    @Query() query: Record<string, unknown> | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const strings = Object.fromEntries(
      Object.entries(query ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
    const page = await this.pages.buyerPage(id, strings.lang, strings);
    void reply.status(page.status).header('content-type', 'text/html; charset=utf-8');
    return page.html;
  }
}
