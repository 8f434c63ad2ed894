import { DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RedisService } from './redis.service';

/**
 * The typeorm DataSource (already initialised and migrated by the boot sequence) as a global provider,
 * injected by class, and the shared Redis client.
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(dataSource: DataSource): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: DataSource, useValue: dataSource }, RedisService],
      exports: [DataSource, RedisService],
    };
  }
}
