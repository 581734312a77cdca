import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { ApiKey } from './api-key.entity';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { SourceKeyLookup } from '../common/auth/source-key-lookup';

/**
 * Per-source API keys: the api_keys table, its staff routes, and the lookup ApiKeyGuard resolves
 * source keys with. Global so the app-wide guard can inject SourceKeyLookup.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey])],
  controllers: [ApiKeysController],
  providers: [ApiKeysService, { provide: SourceKeyLookup, useExisting: ApiKeysService }],
  exports: [ApiKeysService, SourceKeyLookup],
})
export class ApiKeysModule {}
