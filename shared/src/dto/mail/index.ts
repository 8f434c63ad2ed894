export * from './mail-outbox.dto';
