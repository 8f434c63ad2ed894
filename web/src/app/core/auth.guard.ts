import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { AuthService } from './auth.service';

/** Pages that need an account: unauthenticated visitors go to /login?next=<route>. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const account = await auth.ensureLoaded().catch(() => null);
  return account ? true : router.createUrlTree(['/login'], { queryParams: { next: state.url } });
};

/** Instance-admin pages; other accounts see the meshes list. */
export const adminGuard: CanActivateFn = async (_route, state) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const account = await auth.ensureLoaded().catch(() => null);
  if (!account) return router.createUrlTree(['/login'], { queryParams: { next: state.url } });
  return account.isAdmin ? true : router.createUrlTree(['/meshes']);
};
