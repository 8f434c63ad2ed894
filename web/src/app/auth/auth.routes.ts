import { Routes } from '@angular/router';

export const AUTH_ROUTES: Routes = [
  { path: 'login', title: 'Sign in · claudemesh', loadComponent: () => import('./login.component').then((m) => m.LoginComponent) },
  { path: 'signup', title: 'Sign up · claudemesh', loadComponent: () => import('./signup.component').then((m) => m.SignupComponent) },
];
