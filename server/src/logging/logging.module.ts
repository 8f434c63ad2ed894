import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * nestjs-pino on our root logger: Nest's Logger (new Logger('component')) writes through it with `component`,
 * and lines logged while handling a request carry its `requestId`. Access lines come from logging/http-observer.ts,
 * which also sees requests refused before routing (invalid JSON, oversize bodies).
 */
@Module({})
export class LoggingModule {
  static forRoot(root: Logger): DynamicModule {
    return {
      module: LoggingModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          renameContext: 'component',
          pinoHttp: {
            logger: root,
            genReqId: (req) => (req as { id?: string }).id ?? '',
            autoLogging: false,
            quietReqLogger: true,
            customAttributeKeys: { reqId: 'requestId' },
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
