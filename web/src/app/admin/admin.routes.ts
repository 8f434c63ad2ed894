import { Routes } from '@angular/router';

export const ADMIN_ROUTES: Routes = [
  { path: '', title: 'Administration · claudemesh', loadComponent: () => import('./admin.component').then((m) => m.AdminComponent) },
];
