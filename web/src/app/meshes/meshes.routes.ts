import { Routes } from '@angular/router';

export const MESHES_ROUTES: Routes = [
  { path: '', title: 'Meshes · claudemesh', loadComponent: () => import('./mesh-list.component').then((m) => m.MeshListComponent) },
  { path: 'new', title: 'New mesh · claudemesh', loadComponent: () => import('./mesh-new.component').then((m) => m.MeshNewComponent) },
  { path: ':id', title: 'Mesh · claudemesh', loadComponent: () => import('./mesh-detail.component').then((m) => m.MeshDetailComponent) },
];
