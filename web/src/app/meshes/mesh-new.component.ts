import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormControl, FormsModule, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';

import { fieldErrors } from '../shared/field-errors';
import { MeshApiService } from './mesh-api.service';

/** A name only (api.md §3: no slug field); on success, straight to the invite generator. */
@Component({
  selector: 'cm-mesh-new',
  imports: [FormsModule, ReactiveFormsModule, RouterLink],
  template: `<div class="container container-narrow page">
    <nav class="small" aria-label="Breadcrumb"><a routerLink="/meshes">← Meshes</a></nav>
    <header class="page-header" style="margin-top: 12px">
      <div>
        <h1>Create a mesh</h1>
        <p>Give it a name your team will recognise. You can invite people right after.</p>
      </div>
    </header>
    <form class="card" (ngSubmit)="submit()" novalidate>
      <div class="field">
        <label for="mesh-name">Mesh name</label>
        <input
          id="mesh-name"
          class="input"
          [formControl]="name"
          maxlength="200"
          autocomplete="off"
          placeholder="platform"
          aria-describedby="mesh-name-hint mesh-name-error"
          [attr.aria-invalid]="!!error()"
          required
        />
        <span id="mesh-name-hint" class="hint">Up to 80 characters. Two meshes may share a name.</span>
        @if (error(); as e) {
          <span id="mesh-name-error" class="hint" style="color: var(--c-danger)">{{ e }}</span>
        }
      </div>
      <div class="form-actions">
        <button class="btn btn-primary" type="submit" [disabled]="busy()">{{ busy() ? 'Creating…' : 'Create mesh' }}</button>
        <a class="btn btn-secondary" routerLink="/meshes">Cancel</a>
      </div>
    </form>
  </div>`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MeshNewComponent {
  private readonly api = inject(MeshApiService);
  private readonly router = inject(Router);
  protected readonly name = new FormControl('', { nonNullable: true });
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      const mesh = await this.api.create(this.name.value);
      await this.router.navigate(['/meshes', mesh.id, 'invite']);
    } catch (err) {
      this.error.set(fieldErrors(err)['name'] ?? null);
    } finally {
      this.busy.set(false);
    }
  }
}
