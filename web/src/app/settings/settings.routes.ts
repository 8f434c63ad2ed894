import { Routes } from '@angular/router';

export const SETTINGS_ROUTES: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'tokens' },
  { path: 'tokens', title: 'Access tokens · claudemesh', loadComponent: () => import('./tokens.component').then((m) => m.TokensComponent) },
];
