import { Routes } from '@angular/router';

/** Mounted at /meshes/:id/invite (admin+). */
export const INVITE_GENERATOR_ROUTES: Routes = [
  {
    path: '',
    title: 'Invite people · claudemesh',
    loadComponent: () => import('./invite-generator.component').then((m) => m.InviteGeneratorComponent),
  },
];

/** Mounted at /join/:ref (public consent landing). */
export const INVITE_LANDING_ROUTES: Routes = [
  {
    path: '',
    title: 'You are invited · claudemesh',
    loadComponent: () => import('./invite-landing.component').then((m) => m.InviteLandingComponent),
  },
];
