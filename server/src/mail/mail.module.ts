import { Module } from '@nestjs/common';

/** Placeholder: the owning helper fills this module in. */
@Module({})
export class MailModule {}
