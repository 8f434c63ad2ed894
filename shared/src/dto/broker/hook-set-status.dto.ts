import { IsIn, IsString, Matches } from 'class-validator';
import { IsOmittable } from '../common/validators';
import { UUID_PATTERN } from '../../crypto/ids';
import { STATUSES, type PeerStatus } from '../../protocol/constants';
import type { HookSetStatusBody } from '../../protocol/events';

/** Body of POST /hook/set-status (protocol.md §9). */
export class HookSetStatusDto implements HookSetStatusBody {
  @IsIn(STATUSES as unknown as string[], { message: 'status must be one of idle, working, dnd' })
  status!: PeerStatus;

  @IsOmittable()
  @IsString({ message: 'sessionId must be a lowercase UUID' })
  @Matches(UUID_PATTERN, { message: 'sessionId must be a lowercase UUID' })
  sessionId?: string;
}
