/** An account as the instance admin sees it (api.md §2.2). */
export interface AdminAccountResponse {
  id: string;
  email: string;
  displayName: string;
  isAdmin: boolean;
  createdAt: string;
  disabledAt: string | null;
  lastLoginAt: string | null;
}
