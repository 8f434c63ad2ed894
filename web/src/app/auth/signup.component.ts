import { ChangeDetectionStrategy, Component, OnInit, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import { Router, RouterLink } from '@angular/router';
import type { PublicConfigResponse } from '@claudemesh/shared/dto';

import { AuthService, SignupInput } from '../core/auth.service';
import { fieldErrors } from '../shared/field-errors';
import { LogoComponent } from '../shared/logo.component';

@Component({
  selector: 'cm-signup',
  imports: [ReactiveFormsModule, RouterLink, LogoComponent],
  templateUrl: './signup.component.html',
  styleUrl: './auth-page.css',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignupComponent implements OnInit {
  /** ?setup=<token>: the link the server prints at first start. */
  readonly setup = input<string>();
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  protected readonly config = signal<PublicConfigResponse | null>(null);
  protected readonly busy = signal(false);
  protected readonly errors = signal<Record<string, string>>({});
  protected readonly form = new FormGroup({
    displayName: new FormControl('', { nonNullable: true }),
    email: new FormControl('', { nonNullable: true }),
    password: new FormControl('', { nonNullable: true }),
    setupToken: new FormControl('', { nonNullable: true }),
  });

  ngOnInit(): void {
    const token = this.setup();
    if (token) this.form.controls.setupToken.setValue(token);
    this.auth.config().then((c) => this.config.set(c), () => undefined);
  }

  protected async submit(): Promise<void> {
    if (this.busy()) return;
    this.busy.set(true);
    this.errors.set({});
    const v = this.form.getRawValue();
    const body: SignupInput = { email: v.email, password: v.password, displayName: v.displayName };
    if (this.config()?.needsSetup) body.setupToken = v.setupToken.trim();
    try {
      await this.auth.signup(body);
      await this.router.navigateByUrl('/meshes');
    } catch (err) {
      this.errors.set(fieldErrors(err));
    } finally {
      this.busy.set(false);
    }
  }
}
