import { Routes } from '@angular/router';

import { adminGuard, authGuard } from './core/auth.guard';

/** One lazy feature per route family (style.md R6; api.md §11). `/i/:code` is answered by the server, never here. */
export const routes: Routes = [
  { path: '', pathMatch: 'full', loadChildren: () => import('./home/home.routes').then((m) => m.HOME_ROUTES) },
  { path: '', loadChildren: () => import('./auth/auth.routes').then((m) => m.AUTH_ROUTES) },
  {
    path: 'meshes/:id/invite',
    canActivate: [authGuard],
    loadChildren: () => import('./invite/invite.routes').then((m) => m.INVITE_GENERATOR_ROUTES),
  },
  { path: 'meshes', canActivate: [authGuard], loadChildren: () => import('./meshes/meshes.routes').then((m) => m.MESHES_ROUTES) },
  { path: 'join/:ref', loadChildren: () => import('./invite/invite.routes').then((m) => m.INVITE_LANDING_ROUTES) },
  { path: 'settings', canActivate: [authGuard], loadChildren: () => import('./settings/settings.routes').then((m) => m.SETTINGS_ROUTES) },
  { path: 'admin', canActivate: [adminGuard], loadChildren: () => import('./admin/admin.routes').then((m) => m.ADMIN_ROUTES) },
  { path: '_selftest', loadChildren: () => import('./selftest/selftest.routes').then((m) => m.SELFTEST_ROUTES) },
  { path: '**', loadComponent: () => import('./shared/not-found.component').then((m) => m.NotFoundComponent) },
];
