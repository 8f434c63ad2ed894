import { IsTrimmedString } from '../common/validators';
import { IsPeerPubkey, IsSignatureHex, IsX25519Base64Url } from './validators';

/** `POST /api/public/invites/:code/claim` body; snake_case on the wire (invites.md §4.3). */
export class ClaimInviteDto {
  @IsX25519Base64Url({ message: 'recipient_x25519_pubkey must be unpadded base64url of exactly 32 bytes' })
  recipient_x25519_pubkey!: string;

  @IsPeerPubkey({ message: 'peer_pubkey must be 64 lowercase hex of an ed25519 key' })
  peer_pubkey!: string;

  @IsTrimmedString({ min: 1, max: 64 })
  display_name!: string;

  @IsSignatureHex({ message: 'proof must be 128 lowercase hex' })
  proof!: string;
}
