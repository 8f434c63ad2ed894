import { Module } from '@nestjs/common';
import { CliDistController } from './cli-dist.controller';
import { CliDistService } from './cli-dist.service';

@Module({ controllers: [CliDistController], providers: [CliDistService] })
export class CliDistModule {}
