import { ApiProperty } from '@nestjs/swagger';

import { PageQueryDto } from '../../common/http/pagination';
import { ReconciliationRun } from '../reconciliation-run.entity';

export class ReconciliationFindingDto {
  @ApiProperty({ enum: ['invoice', 'refund', 'payout', 'notification'] })
  kind: string;

  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, nullable: true })
  provider: string | null;

  @ApiProperty({ enum: ['unchanged', 'changed', 'mismatch', 'error'] })
  outcome: string;

  @ApiProperty()
  detail: string;
}

export class ReconciliationRunDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['schedule', 'api'] })
  trigger: string;

  @ApiProperty({ format: 'date-time' })
  startedAt: string;

  @ApiProperty({ format: 'date-time' })
  finishedAt: string;

  @ApiProperty({ type: 'integer', description: 'Invoices and refunds looked at' })
  checked: number;

  @ApiProperty({ type: 'integer', description: 'Changed to what the provider reports' })
  changed: number;

  @ApiProperty({
    type: 'integer',
    description:
      'Contradictions flagged for review, not changed (e.g. paid at the provider, cancelled here)',
  })
  mismatched: number;

  @ApiProperty({ type: 'integer', description: 'Lookups that failed, and dead notifications' })
  errors: number;

  @ApiProperty({
    type: 'integer',
    description:
      "Invoices expired, and provider transactions closed once their protocol's expiry window passed",
  })
  expired: number;

  @ApiProperty({ type: 'integer', description: 'Notifications that ran out of retries' })
  deadNotifications: number;

  @ApiProperty({ type: [ReconciliationFindingDto], description: 'Everything not unchanged' })
  findings: ReconciliationFindingDto[];
}

export class ReconciliationRunsPageDto {
  @ApiProperty({ type: [ReconciliationRunDto] })
  items: ReconciliationRunDto[];

  @ApiProperty({ type: String, nullable: true })
  nextCursor: string | null;
}

export class ListRunsQueryDto extends PageQueryDto {}

export function toRunResponse(run: ReconciliationRun): ReconciliationRunDto {
  return {
    id: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt.toISOString(),
    finishedAt: run.finishedAt.toISOString(),
    checked: run.checked,
    changed: run.changed,
    mismatched: run.mismatched,
    errors: run.errors,
    expired: run.expired,
    deadNotifications: run.deadNotifications,
    findings: run.findings,
  };
}
