import { DynamicModule, Global, Module } from '@nestjs/common';

import { APP_CONFIG, AppConfig } from './app-config';
import { Clock } from '../common/clock';

/** Makes the validated AppConfig (`@Inject(APP_CONFIG)`) and the Clock injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: APP_CONFIG, useValue: config }, Clock],
      exports: [APP_CONFIG, Clock],
    };
  }
}
