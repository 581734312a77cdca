import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

import { HealthResponseDto, ReadinessResponseDto } from './dto/health-response.dto';
import { PaymentProviderRegistry } from '../billing/payment-provider.registry';
import { ProviderStatus } from '../billing/provider-status';
import { DomainError } from '../common/errors/domain.error';
import { ErrorCode } from '../common/errors/error-code';
import { APP_CONFIG, AppConfig } from '../config/app-config';

@Injectable()
export class HealthService {
  private readonly logger = new Logger(HealthService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: PaymentProviderRegistry,
    private readonly providerStatus: ProviderStatus,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  health(): HealthResponseDto {
    return {
      status: 'ok',
      version: this.config.version,
      mode: this.config.mode,
      providers: this.registry.list().map((p) => ({
        name: p.name,
        displayName: p.displayName,
        status: this.registry.isEnabled(p.name) ? this.providerStatus.status(p.name) : 'disabled',
      })),
    };
  }

  async readiness(): Promise<ReadinessResponseDto> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch (error) {
      this.logger.warn({ err: error }, 'Database not reachable');
      throw new DomainError(ErrorCode.ServiceUnavailable, ['database is not reachable']);
    }
    return { ...this.health(), database: 'up' };
  }
}
