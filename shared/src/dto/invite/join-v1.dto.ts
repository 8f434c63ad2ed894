import { IsString, MaxLength } from 'class-validator';
import { IsTrimmedString } from '../common/validators';
import { IsPeerPubkey, IsSignatureHex } from './validators';

/** `POST /api/public/join` body (invites.md §3.3). The token's shape is checked by the service (→ invite_malformed). */
export class JoinV1Dto {
  @IsString({ message: 'invite_token must be a string' })
  @MaxLength(4096, { message: 'invite_token must be at most 4096 characters' })
  invite_token!: string;

  @IsPeerPubkey({ message: 'peer_pubkey must be 64 lowercase hex of an ed25519 key' })
  peer_pubkey!: string;

  @IsTrimmedString({ min: 1, max: 64 })
  display_name!: string;

  @IsSignatureHex({ message: 'proof must be 128 lowercase hex' })
  proof!: string;
}
