import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { dataSourceOptions } from './data-source-options';
import { APP_CONFIG, AppConfig } from '../config/app-config';

/** Connects to `config.database.url`, which bootstrap has resolved (embedded or DATABASE_URL). */
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        if (config.database.url === null) {
          throw new Error(
            'database.url must be resolved (prepareDatabase) before the module starts',
          );
        }
        return {
          ...dataSourceOptions(config.database.url, config.database.poolSize, config.database),
          retryAttempts: 3,
        };
      },
    }),
  ],
})
export class DatabaseModule {}
