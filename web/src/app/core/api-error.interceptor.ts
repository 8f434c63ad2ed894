import { HttpErrorResponse, HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { catchError, throwError } from 'rxjs';

import { SILENT_ERRORS, toApiError } from './api-error';
import { AuthService } from './auth.service';
import { NotificationService } from './notification.service';

/**
 * The one place that reads REST errors (api.md §1.4, §11): the server's `error.message` is shown verbatim, a network failure
 * reads "Cannot reach the server", and a 401 `unauthenticated` leads to /login?next=<route>. Callers receive an ApiError.
 */
export const apiErrorInterceptor: HttpInterceptorFn = (req, next) => {
  const notifications = inject(NotificationService);
  const router = inject(Router);
  const auth = inject(AuthService);
  return next(req).pipe(
    catchError((res: unknown) => {
      if (!(res instanceof HttpErrorResponse)) return throwError(() => res);
      const err = toApiError(res);
      if (req.context.get(SILENT_ERRORS)) return throwError(() => err);
      if (err.code === 'unauthenticated') {
        auth.forget();
        const current = router.url;
        if (!current.startsWith('/login') && !current.startsWith('/signup')) {
          void router.navigate(['/login'], { queryParams: { next: current } });
        }
      } else {
        notifications.error(err.message);
      }
      return throwError(() => err);
    }),
  );
};
