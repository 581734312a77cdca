import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';

import { HealthResponseDto, ReadinessResponseDto } from './dto/health-response.dto';
import { HealthService } from './health.service';
import { ApiEnvelope, ApiErrors } from '../common/http/api-envelope.decorators';
import { Public } from '../common/auth/route-access.decorators';

// 400: like every route, these refuse a NUL character in the query (rejectNulCharacters).
@ApiTags('Health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly healthService: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: version, mode and the providers wired up (no auth)' })
  @ApiEnvelope(HealthResponseDto, { description: 'The service is up' })
  @ApiErrors(400)
  health(): HealthResponseDto {
    return this.healthService.health();
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: also checks the database (no auth)' })
  @ApiEnvelope(ReadinessResponseDto, { description: 'Ready to serve' })
  @ApiErrors(400, 503)
  ready(): Promise<ReadinessResponseDto> {
    return this.healthService.readiness();
  }
}
