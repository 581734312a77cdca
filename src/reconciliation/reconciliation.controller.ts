import { Controller, Get, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';

import {
  ListRunsQueryDto,
  ReconciliationRunDto,
  ReconciliationRunsPageDto,
  toRunResponse,
} from './dto/reconciliation-run.dto';
import { ReconciliationService } from './reconciliation.service';
import { StaffOnly } from '../common/auth/route-access.decorators';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { ApiEnvelope, ApiErrors, ApiServiceKey } from '../common/http/api-envelope.decorators';

@ApiTags('Reconciliation')
@ApiServiceKey()
@StaffOnly()
@ApiErrors(403)
@Controller('api/reconciliation')
export class ReconciliationController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('run')
  @ApiOperation({
    summary: 'Run reconciliation now (it also runs on RECONCILIATION_CRON) (staff key only)',
    description: '409 RECONCILIATION_IN_PROGRESS while a run is going on any instance.',
  })
  @ApiEnvelope(ReconciliationRunDto, { status: 201, description: "The run's report" })
  @ApiErrors(409)
  async run(): Promise<ReconciliationRunDto> {
    const run = await this.reconciliation.run('api');
    if (!run)
      throw new DomainError(ErrorCode.ReconciliationInProgress, [
        'a reconciliation run is in progress; its report will be at GET /api/reconciliation/runs',
      ]);
    return toRunResponse(run);
  }

  @Get('runs')
  @ApiOperation({ summary: 'Reports of past runs, newest first (staff key only)' })
  @ApiEnvelope(ReconciliationRunsPageDto, { description: 'One page of run reports' })
  @ApiErrors(400)
  runs(@Query() query: ListRunsQueryDto): Promise<ReconciliationRunsPageDto> {
    return this.reconciliation.listRuns(query);
  }
}
