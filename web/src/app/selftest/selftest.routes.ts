import { Routes } from '@angular/router';

/** Hidden diagnostics page; lazy, so libsodium loads only here. */
export const SELFTEST_ROUTES: Routes = [
  { path: '', title: 'Self-test · claudemesh', loadComponent: () => import('./selftest.component').then((m) => m.SelftestComponent) },
];
