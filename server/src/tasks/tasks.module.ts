import { DynamicModule, Global, Module } from '@nestjs/common';
import { LeaderTasksService } from './leader-tasks.service';
import { NODE_ID, NodeService } from './node.service';
import { RetentionRepository } from './retention.repository';
import { RetentionTasks } from './retention.tasks';
import { ServerNodeRepository } from './server-node.repository';

@Global()
@Module({})
export class TasksModule {
  static forRoot(nodeId: string): DynamicModule {
    return {
      module: TasksModule,
      providers: [{ provide: NODE_ID, useValue: nodeId }, ServerNodeRepository, LeaderTasksService, NodeService, RetentionRepository, RetentionTasks],
      exports: [NODE_ID, LeaderTasksService, NodeService],
    };
  }
}
