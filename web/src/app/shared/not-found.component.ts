import { ChangeDetectionStrategy, Component } from '@angular/core';
import { RouterLink } from '@angular/router';

@Component({
  selector: 'cm-not-found',
  imports: [RouterLink],
  template: `<div class="container container-narrow page">
    <div class="card empty">
      <h1>Page not found</h1>
      <p>There is nothing at this address.</p>
      <a class="btn btn-primary" routerLink="/">Go to the start page</a>
    </div>
  </div>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotFoundComponent {}
